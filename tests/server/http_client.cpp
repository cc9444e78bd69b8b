#include "tests/server/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace hearth::test {

namespace {
std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}
}  // namespace

HttpConnection::HttpConnection(uint16_t port, std::chrono::milliseconds timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    timeval tv{};
    tv.tv_sec = timeout.count() / 1000;
    tv.tv_usec = (timeout.count() % 1000) * 1000;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) close();
}

HttpConnection::~HttpConnection() { close(); }

void HttpConnection::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool HttpConnection::send_raw(const std::string& bytes) {
    size_t sent = 0;
    while (fd_ >= 0 && sent < bytes.size()) {
        const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<size_t>(n);
    }
    return fd_ >= 0;
}

bool HttpConnection::send_request(const std::string& method, const std::string& target, const std::string& body,
                                  const std::vector<std::pair<std::string, std::string>>& headers) {
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    bool has_type = false;
    for (const auto& [name, value] : headers) {
        request += name + ": " + value + "\r\n";
        has_type = has_type || lower(name) == "content-type";
    }
    if (!body.empty() && !has_type) request += "Content-Type: application/json\r\n";
    if (!body.empty() || method == "POST") request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    return send_raw(request);
}

bool HttpConnection::fill() {
    if (fd_ < 0) return false;
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
}

std::optional<std::string> HttpConnection::read_line() {
    for (;;) {
        const size_t end = buffer_.find("\r\n");
        if (end != std::string::npos) {
            std::string line = buffer_.substr(0, end);
            buffer_.erase(0, end + 2);
            return line;
        }
        if (!fill()) return std::nullopt;
    }
}

bool HttpConnection::read_exact(size_t n_bytes, std::string& out) {
    while (buffer_.size() < n_bytes)
        if (!fill()) return false;
    out.append(buffer_, 0, n_bytes);
    buffer_.erase(0, n_bytes);
    return true;
}

HttpResult HttpConnection::read_head() {
    HttpResult result;
    for (;;) {
        auto status_line = read_line();
        if (!status_line || status_line->size() < 12) return {};
        result.status = std::atoi(status_line->c_str() + 9);
        result.headers.clear();
        for (;;) {
            auto line = read_line();
            if (!line) return {};
            if (line->empty()) break;
            const size_t colon = line->find(':');
            if (colon == std::string::npos) continue;
            std::string value = line->substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            result.headers[lower(line->substr(0, colon))] = value;
        }
        if (result.status != 100) break;  // 100 Continue: the real response follows
    }
    chunked_ = lower(result.headers["transfer-encoding"]) == "chunked";
    return result;
}

std::optional<std::string> HttpConnection::read_chunk() {
    auto size_line = read_line();
    if (!size_line) return std::nullopt;
    const size_t size = std::stoul(*size_line, nullptr, 16);
    std::string data;
    if (size == 0) {
        read_line();  // the empty line after the last chunk
        return std::nullopt;
    }
    if (!read_exact(size, data)) return std::nullopt;
    read_line();
    return data;
}

HttpResult HttpConnection::read_response() {
    HttpResult result = read_head();
    if (result.status == 0) return result;
    if (chunked_) {
        while (auto chunk = read_chunk()) result.body += *chunk;
    } else if (result.headers.count("content-length")) {
        if (!read_exact(std::stoul(result.headers["content-length"]), result.body)) result.status = 0;
    } else {
        while (fill()) {}
        result.body = std::move(buffer_);
        buffer_.clear();
    }
    return result;
}

bool HttpConnection::closed_by_peer(std::chrono::milliseconds wait) {
    if (fd_ < 0) return true;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(wait.count())) <= 0) return false;
    char byte;
    const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK);
    return n <= 0;
}

HttpResult http_request(uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
    HttpConnection connection(port);
    if (!connection.connected()) return {};
    // A server may answer (413) before the whole body is sent: read the answer either way.
    connection.send_request(method, target, body, headers);
    return connection.read_response();
}

std::vector<std::string> sse_events(const std::string& body) {
    std::vector<std::string> events;
    size_t pos = 0;
    while (pos < body.size()) {
        size_t end = body.find("\n\n", pos);
        if (end == std::string::npos) end = body.size();
        const std::string event = body.substr(pos, end - pos);
        if (event.rfind("data: ", 0) == 0) events.push_back(event.substr(6));
        pos = end + 2;
    }
    return events;
}

std::vector<std::string> ndjson_lines(const std::string& body) {
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos < body.size()) {
        size_t end = body.find('\n', pos);
        if (end == std::string::npos) end = body.size();
        if (end > pos) lines.push_back(body.substr(pos, end - pos));
        pos = end + 1;
    }
    return lines;
}

}  // namespace hearth::test
