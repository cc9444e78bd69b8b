#include "server/api/cors.h"

#include <algorithm>

namespace hearth::server::api {

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '/')) text.remove_suffix(1);
    return text;
}

}  // namespace

CorsPolicy::CorsPolicy(std::string_view origins) {
    while (!origins.empty()) {
        const size_t comma = origins.find(',');
        const std::string_view item = trim(origins.substr(0, comma));
        if (item == "*") any_ = true;
        else if (!item.empty()) origins_.emplace_back(item);
        if (comma == std::string_view::npos) break;
        origins.remove_prefix(comma + 1);
    }
}

bool CorsPolicy::allows(std::string_view origin) const {
    if (origin.empty() || origin == "null") return false;
    return any_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

bool CorsPolicy::same_origin(std::string_view origin, std::string_view host) {
    // Origin is scheme://host[:port]; Host is host[:port] as the browser sent it.
    const size_t scheme = origin.find("://");
    if (scheme == std::string_view::npos || host.empty()) return false;
    return origin.substr(scheme + 3) == host;
}

std::optional<HttpResponse> CorsPolicy::preflight(const HttpRequest& request) const {
    if (request.method != "OPTIONS") return std::nullopt;
    const std::string_view origin = request.header("origin");
    if (origin.empty() || request.header("access-control-request-method").empty()) return std::nullopt;
    HttpResponse response;
    if (!allows(origin) && !same_origin(origin, request.header("host"))) {
        response.status = 403;
        response.body = R"j({"error":{"message":"cross-origin requests from this origin are not allowed (cors_origins)","type":"permission_error","param":null,"code":"cors_origin_not_allowed"}})j";
        return response;
    }
    response.status = 204;
    response.content_type.clear();
    response.headers = {{"Access-Control-Allow-Origin", std::string(origin)},
                        {"Vary", "Origin"},
                        {"Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"},
                        {"Access-Control-Allow-Headers", "Authorization, Content-Type, x-api-key"},
                        {"Access-Control-Max-Age", "600"}};
    return response;
}

std::optional<std::string> CorsPolicy::refusal(const HttpRequest& request) const {
    const std::string_view origin = request.header("origin");
    if (origin.empty() || allows(origin) || same_origin(origin, request.header("host"))) return std::nullopt;
    return "cross-origin requests from " + std::string(origin.substr(0, 128)) +
           " are not allowed (add the origin to cors_origins)";
}

std::vector<std::pair<std::string, std::string>> CorsPolicy::headers(const HttpRequest& request) const {
    const std::string_view origin = request.header("origin");
    if (!allows(origin)) return {};
    return {{"Access-Control-Allow-Origin", std::string(origin)},
            {"Vary", "Origin"},
            {"Access-Control-Expose-Headers",
             "x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, x-ratelimit-limit-tokens, "
             "x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens, Retry-After"}};
}

}  // namespace hearth::server::api
