// The authorization step of the request pipeline, between routing and dispatch. The access layer
// (API keys, roles, rate limits) implements it; until then AllowAll lets every request through
// (the server listens on loopback by default). Errors map to statuses: kUnauthenticated 401,
// kPermissionDenied 403, kResourceExhausted 429.
// Threads: authorize() is called concurrently from the I/O threads and must not block.
#pragma once

#include <string>

#include "base/result.h"
#include "server/http_message.h"

namespace hearth::server::api {

class Authorizer {
public:
    virtual ~Authorizer() = default;
    // `route` is the matched route pattern ("/v1/chat/completions").
    virtual Status authorize(const HttpRequest& request, const std::string& route) = 0;
};

class AllowAll : public Authorizer {
public:
    Status authorize(const HttpRequest&, const std::string&) override { return ok_status(); }
};

}  // namespace hearth::server::api
