// The access gate: the request pipeline's authorize step (authorizer.h) on the access layer.
// For each routed request, in order (docs/security.md):
//
//   public route (/health, /ready)                       -> through, nothing checked
//   client blocked for failed attempts                   -> 429 + Retry-After
//   malformed credentials, unknown/expired/revoked key   -> 401, counts a failed attempt
//   no credentials: auth required                        -> 401, counts a failed attempt
//                   auth optional (loopback)             -> anonymous, with `anonymous_role`
//   the role lacks the route's permission (route_access) -> 403
//   the key's request or token bucket is empty           -> 429 + Retry-After + x-ratelimit-*
//   the key has max_concurrent requests in flight        -> 429
//   granted: x-ratelimit-* headers on the response; when the response ends the concurrency slot
//   is given back, the token reservation settled, and a change of models, plugins or system
//   settings written to the audit log with its outcome.
//
// Every 401 and 403 writes an audit row (auth.denied / access.denied) before the answer goes
// out; 429s of one key or client write one row per minute (rate.limited, with the count of the
// refusals the previous row did not cover), so a client hammering past its quota cannot flood
// the log with fsyncs.
//
// Threads: authorize() and the accessors are called concurrently from the I/O threads and the
// workers; audit rows are written synchronously (a denied request waits for its row's commit).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "access/audit_log.h"
#include "access/auth_failure_limiter.h"
#include "access/clock.h"
#include "access/concurrency_limiter.h"
#include "access/key_store.h"
#include "access/rate_limiter.h"
#include "server/api/authorizer.h"
#include "server/api/route_access.h"
#include "server/api/router.h"

namespace hearth::server::api {

struct AccessGateConfig {
    bool require_auth = true;                               // false: requests without a key are anonymous
    access::Role anonymous_role = access::Role::kUser;      // what anonymous requests may do
    access::RateLimitConfig rate_limits;
    access::AuthFailurePolicy auth_failures;
};

class AccessGate final : public Authorizer {
public:
    // `keys`, `audit` and `clock` must outlive the gate.
    AccessGate(access::KeyStore& keys, access::AuditLog& audit, const access::Clock& clock, AccessGateConfig config);

    Authorization authorize(const HttpRequest& request, const std::string& route) override;

    // Who sent a request the gate let through: its key's principal, or the anonymous one.
    access::Principal principal(const HttpRequest& request);
    // The same, as the author of a change (audit rows).
    access::Actor actor(const HttpRequest& request);
    // Appends an audit row; a failure to write is logged (the request is not failed for it).
    void record(const access::AuditEvent& event);

    access::KeyStore& keys() { return keys_; }
    access::AuditLog& audit_log() { return audit_; }
    access::RateLimiter& rate_limiter() { return rate_limiter_; }
    const AccessGateConfig& config() const { return config_; }

private:
    Result<access::Principal> identify(const HttpRequest& request);
    Authorization refuse(const HttpRequest& request, const access::Principal* who, Error error,
                         std::string_view action);
    void record_rate_limited(const HttpRequest& request, const access::Principal& who, const std::string& why);
    int64_t estimate_tokens(const HttpRequest& request) const;

    access::KeyStore& keys_;
    access::AuditLog& audit_;
    const access::Clock& clock_;
    const AccessGateConfig config_;
    access::RateLimiter rate_limiter_;
    access::ConcurrencyLimiter concurrency_;
    access::AuthFailureLimiter auth_failures_;

    struct LimitedWindow {
        int64_t started_unix_ms = 0;
        int64_t unrecorded = 0;   // refusals in the window after its row
    };
    std::mutex limited_mutex_;
    std::unordered_map<std::string, LimitedWindow> limited_;   // key name or client -> window
};

// The key and audit routes (access_handlers.cpp): POST/GET /api/keys, DELETE /api/keys/{id},
// GET /api/audit. The gate has checked the caller's permission before they run.
void add_access_routes(Router& router, AccessGate& gate);

}  // namespace hearth::server::api
