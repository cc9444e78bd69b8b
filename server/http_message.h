// Plain HTTP messages between the transport (server/http_server.cpp, Boost.Beast) and the
// handlers (server/api): no Beast types here, so handlers are plain functions testable without
// sockets.
//
// A handler answers with a Reply: either a complete HttpResponse, a response whose body streams
// (HttpResponse::stream: SSE, NDJSON), or a PendingResponse that completes later (a generation
// that is not streamed, a blocking service call run off the I/O threads).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hearth::server {

class BodyStream;
class PendingResponse;

struct HttpRequest {
    std::string method;                                      // "GET", "POST", ...
    std::string target;                                      // as sent: path and query
    std::string path;                                        // percent-decoded, without the query
    std::string query;                                       // after '?', raw
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
    std::string body;
    std::string remote_address;
    bool loopback = true;                                    // the peer is on this machine

    // The first header with this name (case-insensitive), or "".
    std::string_view header(std::string_view name) const;
    // A query parameter's value (percent-decoded), if present.
    std::optional<std::string> query_param(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // When set, the body is sent with chunked transfer encoding as the stream produces it and
    // `body` is ignored.
    std::shared_ptr<BodyStream> stream;
};

using Reply = std::variant<HttpResponse, std::shared_ptr<PendingResponse>>;

// Percent-decodes a URL component ('+' stays '+'); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);
// The reason phrase for a status code ("Not Found").
const char* status_reason(int status);

}  // namespace hearth::server
