// The authorization step of the request pipeline, between routing and dispatch. The access gate
// (server/api/access_gate.h: API keys, roles, rate limits, audit) implements it; AllowAll lets
// every request through (tests of the API alone). Errors map to statuses: kUnauthenticated 401,
// kPermissionDenied 403, kResourceExhausted 429.
// Threads: authorize() is called concurrently from the I/O threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "server/http_message.h"

namespace hearth::server::api {

struct Authorization {
    Status status = ok_status();   // an error refuses the request
    // Added to the response, granted or refused (x-ratelimit-*, Retry-After).
    std::vector<std::pair<std::string, std::string>> headers;
    // For a granted request: runs once when its response is complete (for streams: the last
    // chunk; unfinished: 500) with the status and the tokens used. It holds what must live as
    // long as the request (a concurrency slot).
    std::function<void(int status, int64_t tokens)> on_finish;
    // Who is calling ("key:7", "anonymous"; "" when no access control identified anyone) and
    // whether they may cancel other callers' requests (DELETE /api/requests/{id}).
    std::string caller;
    bool cancels_any = true;
};

class Authorizer {
public:
    virtual ~Authorizer() = default;
    // `route` is the matched route pattern ("/v1/chat/completions").
    virtual Authorization authorize(const HttpRequest& request, const std::string& route) = 0;
};

class AllowAll : public Authorizer {
public:
    Authorization authorize(const HttpRequest&, const std::string&) override { return {}; }
};

}  // namespace hearth::server::api
