// Cross-origin requests from browsers (CORS): which origins may call the API from a web page.
// The list comes from config (`cors_origins`: comma-separated "https://app.example.com", or "*");
// by default it is empty and only same-origin pages (served from the API's own host) may call.
//
//   - preflight (OPTIONS with Origin and Access-Control-Request-Method): 204 with the allowed
//     methods and headers (Authorization, Content-Type, x-api-key) for an allowed origin, 403
//     otherwise; answered before authentication (browsers send no credentials on preflight);
//   - a request from an allowed origin gets Access-Control-Allow-Origin (that origin),
//     Vary: Origin and the rate-limit headers exposed;
//   - a request whose Origin is neither allowed nor the server's own (the Host header) is
//     refused with 403 before it reaches a handler: a page elsewhere cannot make a browser run
//     "simple" cross-site POSTs against a local server.
//
// Immutable after construction: callable from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_message.h"

namespace hearth::server::api {

class CorsPolicy {
public:
    explicit CorsPolicy(std::string_view origins);

    bool allows(std::string_view origin) const;
    // Whether `origin` is the server's own, as the request's Host header names it.
    static bool same_origin(std::string_view origin, std::string_view host);

    // The answer to a preflight request, or nullopt when `request` is not one.
    std::optional<HttpResponse> preflight(const HttpRequest& request) const;
    // A refusal (403) for a cross-origin request from an origin not allowed, else nullopt.
    std::optional<std::string> refusal(const HttpRequest& request) const;
    // The CORS headers for the response to `request` (none without an allowed Origin).
    std::vector<std::pair<std::string, std::string>> headers(const HttpRequest& request) const;

private:
    bool any_ = false;
    std::vector<std::string> origins_;
};

}  // namespace hearth::server::api
