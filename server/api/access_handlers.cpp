// The key and audit routes: POST/GET /api/keys, DELETE /api/keys/{id}, GET /api/audit.
// The access gate has already checked that the caller may (system RW / R: admins; operators read).
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <charconv>

#include "access/time_text.h"
#include "server/api/access_gate.h"
#include "server/api/context.h"
#include "server/api/json_fields.h"

namespace hearth::server::api {

namespace {

using nlohmann::json;

json time_or_null(const std::optional<int64_t>& unix_ms) {
    return unix_ms ? json(access::format_utc(*unix_ms)) : json(nullptr);
}

json key_json(const access::KeyRecord& record) {
    return json{{"id", record.id},
                {"name", record.name},
                {"role", access::role_name(record.role)},
                {"rpm", record.limits.rpm},
                {"tpm", record.limits.tpm},
                {"max_concurrent", record.limits.max_concurrent},
                {"created_at", access::format_utc(record.created_unix_ms)},
                {"last_used_at", time_or_null(record.last_used_unix_ms)},
                {"expires_at", time_or_null(record.expires_unix_ms)},
                {"revoked_at", time_or_null(record.revoked_unix_ms)},
                {"prefix", record.prefix.empty() ? json(nullptr) : json(record.prefix)}};
}

HttpResponse failure(const Error& error) {
    ApiError api_error = from_error(error);
    if (error.code == Errc::kAlreadyExists || error.code == Errc::kFailedPrecondition) {
        api_error.status = 409;
        api_error.code = "conflict";
    }
    return error_response(api_error);
}

HttpResponse create_key(AccessGate& gate, const HttpRequest& request) {
    json body;
    if (auto error = parse_json_object(request.body, body)) return error_response(*error);
    FieldReader fields(body);
    fields.require("name");
    fields.require("role");
    auto name = fields.string("name");
    auto role_text = fields.string("role");
    auto rpm = fields.integer("rpm", 0, access::kMaxRequestsPerMinute);
    auto tpm = fields.integer("tpm", 0, access::kMaxTokensPerMinute);
    auto max_concurrent = fields.integer("max_concurrent", 0, access::kMaxConcurrent);
    auto expires = fields.string("expires");
    fields.reject_unknown({"name", "role", "rpm", "tpm", "max_concurrent", "expires"});
    if (fields.error()) return error_response(*fields.error());

    access::KeySpec spec;
    spec.name = *name;
    const auto role = access::parse_role(*role_text);
    if (!role)
        return error_response(
            ApiError::invalid(fmt::format("unknown role '{}': use admin, operator, user or guest", *role_text), "role"));
    spec.role = *role;
    spec.limits = {rpm.value_or(0), tpm.value_or(0), max_concurrent.value_or(0)};
    if (expires) {
        auto when = access::parse_expiry(*expires, access::SystemClock().unix_ms());
        if (!when.ok()) return error_response(ApiError::invalid(when.error().message, "expires"));
        spec.expires_unix_ms = *when;
    }
    auto made = gate.keys().create(spec, gate.actor(request));
    if (!made.ok()) return failure(made.error());
    json out = key_json(made->record);
    out["key"] = made->key;   // the only time the key is shown
    return json_response(dump_json(out), 201);
}

HttpResponse list_keys(AccessGate& gate, const HttpRequest& request) {
    const auto all = request.query_param("all");
    const bool include_revoked = all && (*all == "1" || *all == "true");
    auto records = gate.keys().list(include_revoked);
    if (!records.ok()) return failure(records.error());
    json data = json::array();
    for (const access::KeyRecord& record : *records) data.push_back(key_json(record));
    return json_response(dump_json(json{{"object", "list"}, {"data", std::move(data)}}));
}

HttpResponse revoke_key(AccessGate& gate, const HttpRequest& request, const std::string& id) {
    auto revoked = gate.keys().revoke(id, gate.actor(request));
    if (!revoked.ok()) return failure(revoked.error());
    gate.rate_limiter().forget(revoked->id);
    return json_response(dump_json(key_json(*revoked)));
}

std::optional<ApiError> read_int(const HttpRequest& request, const char* name, int64_t min, int64_t max,
                                 std::optional<int64_t>& out) {
    const auto text = request.query_param(name);
    if (!text) return std::nullopt;
    int64_t value = 0;
    const char* end = text->data() + text->size();
    auto [ptr, ec] = std::from_chars(text->data(), end, value);
    if (ec != std::errc() || ptr != end || text->empty() || value < min || value > max)
        return ApiError::invalid(fmt::format("query parameter '{}' must be an integer in {}..{}, not '{}'", name, min,
                                             max, text->substr(0, 64)),
                                 name);
    out = value;
    return std::nullopt;
}

HttpResponse query_audit(AccessGate& gate, const HttpRequest& request) {
    access::AuditQuery query;
    std::optional<int64_t> limit;
    constexpr int64_t kMaxTime = int64_t{1} << 50;
    for (auto [name, min, max, field] :
         {std::tuple{"since", int64_t{0}, kMaxTime, &query.since_unix_ms},
          std::tuple{"until", int64_t{0}, kMaxTime, &query.until_unix_ms},
          std::tuple{"key_id", int64_t{1}, std::numeric_limits<int64_t>::max(), &query.key_id},
          std::tuple{"before_id", int64_t{1}, std::numeric_limits<int64_t>::max(), &query.before_id},
          std::tuple{"limit", int64_t{1}, access::kMaxAuditQueryLimit, &limit}})
        if (auto error = read_int(request, name, min, max, *field)) return error_response(*error);
    if (limit) query.limit = *limit;
    if (auto actor = request.query_param("actor")) query.actor = *actor;
    if (auto action = request.query_param("action")) query.action = *action;
    if (auto outcome_text = request.query_param("outcome")) {
        const auto outcome = access::parse_outcome(*outcome_text);
        if (!outcome)
            return error_response(ApiError::invalid("query parameter 'outcome' must be success, denied or failure", "outcome"));
        query.outcome = *outcome;
    }
    auto rows = gate.audit_log().query(query);
    if (!rows.ok()) return failure(rows.error());
    json data = json::array();
    for (const access::AuditRecord& row : *rows) {
        const access::AuditEvent& event = row.event;
        data.push_back(json{{"id", row.id},
                            {"time", access::format_utc(event.unix_ms)},
                            {"unix_ms", event.unix_ms},
                            {"actor", event.actor},
                            {"key_id", event.key_id ? json(*event.key_id) : json(nullptr)},
                            {"action", event.action},
                            {"resource", event.resource},
                            {"client", event.client},
                            {"outcome", access::outcome_name(event.outcome)},
                            {"detail", event.detail}});
    }
    json out{{"object", "list"}, {"data", data}};
    // Paging: pass before_id=<the last row's id> for older rows.
    out["next_before_id"] = static_cast<int64_t>(rows->size()) == query.limit && !rows->empty() ? json(rows->back().id)
                                                                                                  : json(nullptr);
    return json_response(dump_json(out));
}

}  // namespace

void add_access_routes(Router& router, AccessGate& gate) {
    AccessGate* g = &gate;
    router.add("POST", "/api/keys", [g](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord>) {
        return Reply(create_key(*g, request));
    });
    router.add("GET", "/api/keys", [g](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord>) {
        return Reply(list_keys(*g, request));
    });
    router.add("DELETE", "/api/keys/{id}",
               [g](const HttpRequest& request, const RouteParams& params, std::shared_ptr<RequestRecord>) {
                   return Reply(revoke_key(*g, request, params.id));
               });
    router.add("GET", "/api/audit", [g](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord>) {
        return Reply(query_audit(*g, request));
    });
}

}  // namespace hearth::server::api
