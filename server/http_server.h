// The HTTP/1.1 edge on Boost.Beast (the advanced-server shape: an accept loop, a strand per
// connection, do_x/on_x pairs, one close path). Beast stays inside http_server.cpp; callers see
// plain messages (server/http_message.h).
//
//   - keep-alive and pipelining: requests on one connection are answered in order; at most
//     `max_queued_responses` wait per connection, past that the connection stops reading;
//   - limits: header and body bytes (431 / 413, then the connection closes), `max_connections`
//     open at once (503 to the next), idle / read / write timeouts (slow clients are dropped);
//   - streaming bodies go out with chunked transfer encoding as the BodyStream fills; a client
//     that disconnects cancels its streams and pending responses (their cancel hooks run);
//   - WebSocket upgrade on the paths in `websocket_feeds`: the feed's message is pushed every
//     `websocket_interval`, pings keep the connection alive;
//   - TLS (tls_cert_file/tls_key_file): the same sessions over an ssl stream, handshake first
//     (within read_timeout);
//   - shutdown in three steps: stop_accepting(), wait_idle(deadline), shutdown().
//
// Threads: `io_threads` threads run the I/O; handlers run on the connection's strand and must not
// block (long work answers with a PendingResponse or a BodyStream). All methods of HttpServer may
// be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "server/http_message.h"

namespace hearth::server {

struct HttpServerConfig {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;                            // 0: a free port (see HttpServer::port())
    int io_threads = 2;
    size_t max_header_bytes = 16 * 1024;
    size_t max_body_bytes = 8 * 1024 * 1024;
    int max_connections = 256;
    int max_queued_responses = 16;                   // per connection (pipelining)
    std::chrono::milliseconds idle_timeout{60'000};  // open connection, no request under way
    std::chrono::milliseconds read_timeout{30'000};  // header received -> whole body received
    std::chrono::milliseconds write_timeout{30'000}; // one write (a response, a chunk) to finish
    std::chrono::milliseconds websocket_interval{1'000};
    // HTTPS when both are set: a PEM certificate chain and its PEM private key (OpenSSL through
    // Beast's ssl stream; TLS 1.2 and later). kInvalidArgument at start() when they cannot be used.
    std::string tls_cert_file;
    std::string tls_key_file;
};

struct HttpHandlers {
    // Answers one request. Called on the connection's strand; must not block or throw.
    std::function<Reply(HttpRequest&&)> handle;
    // The body for an error the transport itself answers (413, 431, 400, 503), in the API's shape.
    std::function<HttpResponse(int status, const std::string& message)> error;
    // path -> the next message for a WebSocket subscriber (called on its strand, every interval).
    std::map<std::string, std::function<std::string()>> websocket_feeds;
    // Checks a WebSocket upgrade request (path, headers, address) before the feed starts: a
    // response refuses it (401, 403, 429), nullopt lets it through. Unset: every upgrade passes.
    std::function<std::optional<HttpResponse>(const HttpRequest&)> websocket_check;
};

class HttpServer {
public:
    // Binds and starts listening; kIo when the address cannot be bound.
    static Result<std::unique_ptr<HttpServer>> start(const HttpServerConfig& config, HttpHandlers handlers);
    ~HttpServer();   // shutdown() if it has not run
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    uint16_t port() const;
    // Closes the listening socket; responses from now on carry `Connection: close`.
    void stop_accepting();
    // Waits until no request is in flight or `deadline` passes; returns the number left.
    int64_t wait_idle(std::chrono::milliseconds deadline);
    // Closes every connection (cancelling streams and pending responses) and joins the I/O
    // threads. Messages already posted to the (stopped) I/O context are dropped when this object
    // is destroyed, so keep it alive until producers that may still notify (the service) are gone.
    void shutdown();

    int64_t open_connections() const;
    int64_t requests_in_flight() const;

    struct Impl;

private:
    explicit HttpServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::server
