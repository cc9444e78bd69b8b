#include "server/api/route_access.h"

namespace hearth::server::api {

namespace {

using access::Access;
using access::Resource;
using access::RouteClass;

bool is_read(std::string_view method) { return method == "GET" || method == "HEAD"; }

bool starts_with_any(std::string_view pattern, std::initializer_list<std::string_view> prefixes) {
    for (std::string_view prefix : prefixes)
        if (pattern.starts_with(prefix)) return true;
    return false;
}

bool equals_any(std::string_view pattern, std::initializer_list<std::string_view> names) {
    for (std::string_view name : names)
        if (pattern == name) return true;
    return false;
}

// A read of `resource` on GET, a change otherwise; reads are "status" requests, changes "admin".
RouteAccess read_or_change(std::string_view method, Resource resource) {
    if (is_read(method)) return {false, resource, Access::kRead, RouteClass::kStatus};
    return {false, resource, Access::kReadWrite, RouteClass::kAdmin};
}

}  // namespace

RouteAccess route_access(std::string_view method, std::string_view pattern) {
    if (equals_any(pattern, {"/health", "/ready", "/"})) return {true, Resource::kMonitoring, Access::kNone, RouteClass::kStatus};
    // Inference, every modality; the native tokenizer routes run the model's tokenizer.
    if (equals_any(pattern, {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/api/chat", "/api/generate",
                             "/api/embed", "/api/embeddings", "/tokenize", "/detokenize", "/apply-template"}) ||
        starts_with_any(pattern, {"/v1/audio/", "/v1/images/", "/v1/rerank"}))
        return {false, Resource::kInference, Access::kReadWrite, RouteClass::kInference};
    // Cancelling a generation: a caller's own (the handler checks whose), anyone's for operators.
    if (pattern == "/api/requests/{id}") return {false, Resource::kInference, Access::kReadWrite, RouteClass::kStatus};
    if (starts_with_any(pattern, {"/v1/batches", "/v1/batch"}))
        return {false, Resource::kInference, Access::kReadWrite, RouteClass::kBatch};
    // Model listings (Ollama's /api/show is a POST that only reads).
    if (equals_any(pattern, {"/api/tags", "/api/ps", "/api/show"}) || pattern.starts_with("/v1/models"))
        return is_read(method) || pattern == "/api/show" ? RouteAccess{false, Resource::kModels, Access::kRead, RouteClass::kStatus}
                                                         : read_or_change(method, Resource::kModels);
    if (pattern.starts_with("/api/models") ||
        equals_any(pattern, {"/api/pull", "/api/push", "/api/delete", "/api/create", "/api/copy"}))
        return read_or_change(method, Resource::kModels);
    if (pattern.starts_with("/api/plugins")) return read_or_change(method, Resource::kPlugins);
    if (starts_with_any(pattern, {"/api/keys", "/api/audit", "/api/config"})) {
        RouteAccess out = read_or_change(method, Resource::kSystem);
        out.route_class = RouteClass::kAdmin;
        return out;
    }
    if (pattern == "/metrics" || pattern == "/ws/metrics" || pattern == "/api/version" || pattern.starts_with("/api/system") ||
        pattern.starts_with("/api/queue"))
        return read_or_change(method, Resource::kMonitoring);
    return {false, Resource::kSystem, Access::kReadWrite, RouteClass::kAdmin, false};
}

}  // namespace hearth::server::api
