#include "server/api/access_gate.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

#include "access/auth_header.h"
#include "base/log.h"

namespace hearth::server::api {

namespace {

constexpr int64_t kLimitedWindowMs = 60'000;
constexpr size_t kMaxLimitedWindows = 4096;

std::string request_line(const HttpRequest& request) { return request.method + " " + request.path; }

// The last path segment when it names an action ("load", "unload", "pin"), else the method:
// "models.load", "models.delete", "plugins.post".
std::string action_name(access::Resource resource, const HttpRequest& request) {
    std::string verb;
    const size_t slash = request.path.rfind('/');
    const std::string_view last = std::string_view(request.path).substr(slash == std::string::npos ? 0 : slash + 1);
    for (std::string_view known : {"load", "unload", "pin", "unpin", "pull", "delete", "create", "copy", "enable", "disable"})
        if (last == known) verb = std::string(known);
    if (verb.empty()) {
        for (char c : request.method) verb += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return std::string(access::resource_name(resource)) + "." + verb;
}

void add_bucket_headers(std::vector<std::pair<std::string, std::string>>& headers, const access::BucketReport& bucket,
                        std::string_view suffix) {
    if (bucket.limit <= 0) return;
    headers.emplace_back(fmt::format("x-ratelimit-limit{}", suffix), std::to_string(bucket.limit));
    headers.emplace_back(fmt::format("x-ratelimit-remaining{}", suffix), std::to_string(std::max<int64_t>(0, bucket.remaining)));
    headers.emplace_back(fmt::format("x-ratelimit-reset{}", suffix), std::to_string(bucket.reset_seconds));
}

}  // namespace

AccessGate::AccessGate(access::KeyStore& keys, access::AuditLog& audit, const access::Clock& clock,
                       AccessGateConfig config)
    : keys_(keys),
      audit_(audit),
      clock_(clock),
      config_(std::move(config)),
      rate_limiter_(clock, config_.rate_limits),
      auth_failures_(clock, config_.auth_failures) {}

void AccessGate::record(const access::AuditEvent& event) {
    if (auto appended = audit_.append(event); !appended.ok())
        log::error("audit: cannot record {} on {}: {}", event.action, event.resource, appended.error().message);
}

Result<access::Principal> AccessGate::identify(const HttpRequest& request) {
    std::vector<std::string_view> authorization;
    std::vector<std::string_view> api_key;
    for (const auto& [name, value] : request.headers) {
        if (name == "authorization") authorization.push_back(value);
        if (name == "x-api-key") api_key.push_back(value);
    }
    HEARTH_ASSIGN_OR_RETURN(std::optional<access::Credential> credential,
                            access::parse_credentials({authorization, api_key}));
    if (!credential) {
        if (config_.require_auth)
            return Error::make(Errc::kUnauthenticated,
                               "missing API key: send it as 'Authorization: Bearer KEY' (or 'x-api-key: KEY')");
        return access::Principal{0, "anonymous", config_.anonymous_role, {}};
    }
    return keys_.verify(credential->token);
}

access::Principal AccessGate::principal(const HttpRequest& request) {
    auto who = identify(request);
    if (who.ok()) return *who;
    return access::Principal{0, "anonymous", access::Role::kGuest, {}};
}

access::Actor AccessGate::actor(const HttpRequest& request) {
    const access::Principal who = principal(request);
    return access::Actor{who.name, who.key_id > 0 ? std::optional<int64_t>(who.key_id) : std::nullopt,
                         request.remote_address};
}

Authorization AccessGate::refuse(const HttpRequest& request, const access::Principal* who, Error error,
                                 std::string_view action) {
    access::AuditEvent event;
    event.actor = who ? who->name : "anonymous";
    if (who && who->key_id > 0) event.key_id = who->key_id;
    event.action = std::string(action);
    event.resource = request_line(request);
    event.client = request.remote_address;
    event.outcome = access::Outcome::kDenied;
    event.detail = error.message;
    record(event);
    return Authorization{std::move(error), {}, {}, {}};
}

void AccessGate::record_rate_limited(const HttpRequest& request, const access::Principal& who, const std::string& why) {
    const std::string window_key = who.key_id > 0 ? "key:" + std::to_string(who.key_id) : "client:" + access::client_group(request.remote_address);
    const int64_t now = clock_.unix_ms();
    int64_t earlier = 0;
    {
        std::lock_guard lock(limited_mutex_);
        if (limited_.size() >= kMaxLimitedWindows) std::erase_if(limited_, [&](const auto& item) {
            return now - item.second.started_unix_ms >= kLimitedWindowMs;
        });
        LimitedWindow& window = limited_[window_key];
        if (window.started_unix_ms != 0 && now - window.started_unix_ms < kLimitedWindowMs) {
            ++window.unrecorded;
            return;
        }
        earlier = window.unrecorded;
        window = LimitedWindow{now, 0};
    }
    access::AuditEvent event;
    event.actor = who.name;
    if (who.key_id > 0) event.key_id = who.key_id;
    event.action = "rate.limited";
    event.resource = request_line(request);
    event.client = request.remote_address;
    event.outcome = access::Outcome::kDenied;
    event.detail = earlier > 0 ? fmt::format("{} ({} more refusals in the previous minute)", why, earlier) : why;
    record(event);
}

int64_t AccessGate::estimate_tokens(const HttpRequest& request) const {
    // The prompt, roughly (4 bytes a token), and what the request may generate.
    int64_t estimate = static_cast<int64_t>(request.body.size() / 4);
    const auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_object()) {
        for (const char* field : {"max_tokens", "max_completion_tokens"})
            if (auto it = body.find(field); it != body.end() && it->is_number_integer()) {
                estimate += std::max<int64_t>(0, it->get<int64_t>());
                return estimate;
            }
        if (auto options = body.find("options"); options != body.end() && options->is_object())
            if (auto it = options->find("num_predict"); it != options->end() && it->is_number_integer())
                estimate += std::max<int64_t>(0, it->get<int64_t>());
    }
    return estimate;
}

Authorization AccessGate::authorize(const HttpRequest& request, const std::string& route) {
    const RouteAccess rule = route_access(request.method, route);
    if (rule.is_public) return {};

    const std::string& client = request.remote_address;
    if (const int64_t blocked = auth_failures_.check(client); blocked > 0) {
        access::Principal nobody{0, "anonymous", access::Role::kGuest, {}};
        const std::string why = fmt::format("too many failed authentication attempts from {}; retry in {} s",
                                            client, blocked);
        record_rate_limited(request, nobody, why);
        return Authorization{Error{Errc::kResourceExhausted, why}, {{"Retry-After", std::to_string(blocked)}}, {}, {}};
    }

    auto identified = identify(request);
    if (!identified.ok()) {
        auth_failures_.record_failure(client);
        return refuse(request, nullptr, Error{Errc::kUnauthenticated, identified.error().message}, "auth.denied");
    }
    const access::Principal who = std::move(*identified);

    if (!access::allowed(who.role, rule.resource, rule.needs))
        return refuse(request, &who,
                      Error::make(Errc::kPermissionDenied, "the {} role may not {} {} ({} {})", access::role_name(who.role),
                                  rule.needs == access::Access::kRead ? "read" : "change",
                                  access::resource_name(rule.resource), request.method, route),
                      "access.denied");

    const access::RouteClassPolicy& policy = config_.rate_limits.classes[static_cast<size_t>(rule.route_class)];
    const int64_t reserved = policy.counts_tokens && who.limits.tpm > 0 ? estimate_tokens(request) : 0;
    const access::RateDecision decision = rate_limiter_.acquire(who.key_id, who.limits, rule.route_class, reserved);
    std::vector<std::pair<std::string, std::string>> headers;
    add_bucket_headers(headers, decision.requests, "");
    add_bucket_headers(headers, decision.tokens, "-tokens");
    if (!decision.allowed) {
        const std::string why = fmt::format("rate limit reached for key '{}' ({} per minute); retry in {} s", who.name,
                                            decision.refused_by, decision.retry_after_seconds);
        record_rate_limited(request, who, why);
        headers.emplace_back("Retry-After", std::to_string(decision.retry_after_seconds));
        return Authorization{Error{Errc::kResourceExhausted, why}, std::move(headers), {}, {}};
    }

    auto slot = concurrency_.enter(who.key_id, who.limits.max_concurrent);
    if (!slot.ok()) {
        rate_limiter_.settle_tokens(who.key_id, who.limits, reserved, 0);
        const std::string why = fmt::format("key '{}': {}", who.name, slot.error().message);
        record_rate_limited(request, who, why);
        headers.emplace_back("Retry-After", "1");
        return Authorization{Error{Errc::kResourceExhausted, why}, std::move(headers), {}, {}};
    }

    Authorization granted;
    granted.headers = std::move(headers);
    granted.caller = who.key_id > 0 ? "key:" + std::to_string(who.key_id) : who.name;
    // Operators and admins may cancel anyone's request; everyone else only their own.
    granted.cancels_any = access::allowed(who.role, access::Resource::kModels, access::Access::kReadWrite);
    // Changes to models, plugins and settings are audited when their outcome is known; key
    // changes are recorded by the key store itself, in the change's own transaction.
    const bool audited = rule.needs == access::Access::kReadWrite && rule.resource != access::Resource::kInference &&
                         !route.starts_with("/api/keys");
    access::AuditEvent event;
    if (audited) {
        event.actor = who.name;
        if (who.key_id > 0) event.key_id = who.key_id;
        event.action = action_name(rule.resource, request);
        event.resource = request_line(request);
        event.client = client;
    }
    auto held = std::make_shared<access::ConcurrencySlot>(std::move(*slot));
    const bool settles = policy.counts_tokens && who.limits.tpm > 0;
    granted.on_finish = [this, held, who, reserved, settles, audited, event = std::move(event)](
                            int status, int64_t tokens) mutable {
        held->release();
        if (settles) rate_limiter_.settle_tokens(who.key_id, who.limits, reserved, tokens);
        if (audited) {
            event.outcome = status < 400 ? access::Outcome::kSuccess : access::Outcome::kFailure;
            event.detail = fmt::format("HTTP {}", status);
            record(event);
        }
    };
    return granted;
}

}  // namespace hearth::server::api
