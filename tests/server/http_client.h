// A small blocking HTTP/1.1 client over POSIX sockets for tests: whole requests, chunked and
// streamed responses, raw bytes (for malformed or slow clients). Loopback only.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hearth::test {

struct HttpResult {
    int status = 0;                               // 0: no response (connection failed or closed)
    std::map<std::string, std::string> headers;   // names in lower case
    std::string body;                             // de-chunked
};

class HttpConnection {
public:
    explicit HttpConnection(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(60));
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    bool connected() const { return fd_ >= 0; }
    // Sends bytes as they are. False when the peer has gone.
    bool send_raw(const std::string& bytes);
    // Sends one request (Content-Length set from the body).
    bool send_request(const std::string& method, const std::string& target, const std::string& body = "",
                      const std::vector<std::pair<std::string, std::string>>& headers = {});
    // Reads one response; status 0 when the connection closed first or timed out.
    HttpResult read_response();
    // Reads the status line and headers only; then read_chunk() returns the body's chunks one by
    // one (nullopt at the end or on failure).
    HttpResult read_head();
    std::optional<std::string> read_chunk();
    // True when the server closed the connection (reads EOF within `wait`).
    bool closed_by_peer(std::chrono::milliseconds wait);
    void close();

private:
    bool fill();                   // reads more bytes into buffer_; false on EOF/error/timeout
    std::optional<std::string> read_line();
    bool read_exact(size_t n_bytes, std::string& out);

    int fd_ = -1;
    std::string buffer_;
    bool chunked_ = false;
};

// One request on a fresh connection.
HttpResult http_request(uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = "",
                        const std::vector<std::pair<std::string, std::string>>& headers = {});

// "data: ..." payloads of an SSE body, in order.
std::vector<std::string> sse_events(const std::string& body);
// Lines of an NDJSON body.
std::vector<std::string> ndjson_lines(const std::string& body);

}  // namespace hearth::test
