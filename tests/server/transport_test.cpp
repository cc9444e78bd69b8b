// The Beast transport over real loopback sockets, with plain handlers (no service): keep-alive,
// pipelining order, limits, timeouts, chunked streams, disconnects, connection limit, WebSocket
// feeds and the drain sequence.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "server/body_stream.h"
#include "server/http_server.h"
#include "server/pending_response.h"
#include "tests/server/http_client.h"

namespace hearth::server {
namespace {

using namespace std::chrono_literals;
using test::HttpConnection;

class TransportTest : public ::testing::Test {
protected:
    void start(HttpServerConfig config = {}) {
        config.port = 0;
        HttpHandlers handlers;
        handlers.handle = [this](HttpRequest&& request) { return handle(std::move(request)); };
        handlers.error = [](int status, const std::string& message) {
            HttpResponse response;
            response.status = status;
            response.body = "{\"error\":\"" + message + "\"}";
            return response;
        };
        handlers.websocket_feeds["/ws/count"] = [this] { return "tick " + std::to_string(ticks_.fetch_add(1)); };
        auto server = HttpServer::start(config, std::move(handlers));
        ASSERT_TRUE(server.ok()) << server.error().message;
        server_ = std::move(*server);
        port_ = server_->port();
    }
    void TearDown() override {
        if (server_) server_->shutdown();
        std::lock_guard lock(producers_mutex_);
        for (auto& thread : producers_) thread.join();
    }
    // Handlers run on the I/O threads, several at once.
    void spawn(std::function<void()> work) {
        std::lock_guard lock(producers_mutex_);
        producers_.emplace_back(std::move(work));
    }

    Reply handle(HttpRequest&& request) {
        HttpResponse response;
        response.content_type = "text/plain";
        if (request.path == "/echo") {
            response.body = request.method + " " + request.path + " q=" + request.query_param("q").value_or("-") +
                            " body=" + std::to_string(request.body.size());
            return response;
        }
        if (request.path == "/slow") {  // completes later, from another thread
            auto pending = std::make_shared<PendingResponse>();
            spawn([pending] {
                std::this_thread::sleep_for(200ms);
                HttpResponse late;
                late.content_type = "text/plain";
                late.body = "slow";
                pending->complete(std::move(late));
            });
            return pending;
        }
        if (request.path == "/soon") {  // completes at once, from another thread
            auto pending = std::make_shared<PendingResponse>();
            spawn([pending] {
                HttpResponse soon;
                soon.body = std::string(2000, 's');
                pending->complete(std::move(soon));
            });
            return pending;
        }
        if (request.path == "/stream") {  // three chunks, 50 ms apart
            auto stream = std::make_shared<BodyStream>();
            spawn([stream] {
                for (int idx = 0; idx < 3; ++idx) {
                    std::this_thread::sleep_for(50ms);
                    stream->write("chunk" + std::to_string(idx) + "\n");
                }
                stream->close();
            });
            response.stream = stream;
            return response;
        }
        if (request.path == "/endless") {  // writes until cancelled
            auto stream = std::make_shared<BodyStream>();
            stream->set_cancel_hook([this] { cancelled_.set_value(); });
            spawn([stream] {
                while (stream->write("data\n")) std::this_thread::sleep_for(10ms);
            });
            response.stream = stream;
            return response;
        }
        response.status = 404;
        response.body = "no";
        return response;
    }

    std::unique_ptr<HttpServer> server_;
    uint16_t port_ = 0;
    std::mutex producers_mutex_;
    std::vector<std::thread> producers_;
    std::atomic<int> ticks_{0};
    std::promise<void> cancelled_;
};

TEST_F(TransportTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    start();
    HttpConnection connection(port_);
    for (int idx = 0; idx < 3; ++idx) {
        ASSERT_TRUE(connection.send_request("GET", "/echo?q=a%20b"));
        auto response = connection.read_response();
        EXPECT_EQ(response.status, 200);
        EXPECT_EQ(response.body, "GET /echo q=a b body=0");
        EXPECT_EQ(response.headers["server"], "hearth");
    }
    EXPECT_EQ(server_->open_connections(), 1);
}

TEST_F(TransportTest, ClientsThatLeaveRightAfterTheHeadDoNotHurtTheServer) {
    // The client's close can reach the server while the response's write completes: the
    // connection's close and the write's completion then race on its strand.
    start();
    for (int idx = 0; idx < 300; ++idx) {
        HttpConnection connection(port_);
        ASSERT_TRUE(connection.send_request("POST", idx % 2 ? "/echo" : "/soon", "{}"));
        ASSERT_EQ(connection.read_head().status, 200);
    }
    EXPECT_EQ(test::http_request(port_, "GET", "/echo").status, 200);
    for (int idx = 0; idx < 300 && server_->requests_in_flight() > 0; ++idx) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(server_->requests_in_flight(), 0);
}

TEST_F(TransportTest, PipelinedRequestsAreAnsweredInOrder) {
    start();
    HttpConnection connection(port_);
    ASSERT_TRUE(connection.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(connection.read_response().body, "slow");
    EXPECT_EQ(connection.read_response().body, "GET /echo q=- body=0");
}

TEST_F(TransportTest, BodyOverTheLimitGets413AndTheServerKeepsServing) {
    HttpServerConfig config;
    config.max_body_bytes = 1024;
    start(config);
    auto big = test::http_request(port_, "POST", "/echo", std::string(4 << 20, 'x'));  // still sending when answered
    EXPECT_EQ(big.status, 413);
    EXPECT_NE(big.body.find("limit of 1024 bytes"), std::string::npos) << big.body;
    auto small = test::http_request(port_, "POST", "/echo", std::string(1000, 'x'));
    EXPECT_EQ(small.status, 200);
    EXPECT_EQ(small.body, "POST /echo q=- body=1000");
}

TEST_F(TransportTest, HeaderOverTheLimitGets431) {
    HttpServerConfig config;
    config.max_header_bytes = 2048;
    start(config);
    auto response = test::http_request(port_, "GET", "/echo", "", {{"X-Big", std::string(4096, 'a')}});
    EXPECT_EQ(response.status, 431);
    EXPECT_EQ(test::http_request(port_, "GET", "/echo").status, 200);
}

TEST_F(TransportTest, MalformedRequestGets400) {
    start();
    HttpConnection connection(port_);
    connection.send_raw("THIS IS NOT HTTP\r\n\r\n");
    EXPECT_EQ(connection.read_response().status, 400);
    EXPECT_EQ(test::http_request(port_, "GET", "/echo").status, 200);
}

TEST_F(TransportTest, IdleConnectionsAreClosed) {
    HttpServerConfig config;
    config.idle_timeout = 200ms;
    start(config);
    HttpConnection connection(port_);
    ASSERT_TRUE(connection.send_request("GET", "/echo"));
    EXPECT_EQ(connection.read_response().status, 200);
    EXPECT_TRUE(connection.closed_by_peer(3s));
}

TEST_F(TransportTest, SlowBodiesAreDroppedAfterTheReadTimeout) {
    HttpServerConfig config;
    config.read_timeout = 200ms;
    start(config);
    HttpConnection connection(port_);
    ASSERT_TRUE(connection.send_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
    EXPECT_TRUE(connection.closed_by_peer(3s));
}

TEST_F(TransportTest, Expect100ContinueGetsTheBodyRead) {
    start();
    HttpConnection connection(port_);
    ASSERT_TRUE(connection.send_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
    ASSERT_TRUE(connection.send_raw("hello"));
    auto response = connection.read_response();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "POST /echo q=- body=5");
}

TEST_F(TransportTest, StreamsArriveAsChunksAsTheyAreProduced) {
    start();
    HttpConnection connection(port_);
    ASSERT_TRUE(connection.send_request("GET", "/stream"));
    auto head = connection.read_head();
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.headers["transfer-encoding"], "chunked");
    std::vector<std::string> chunks;
    while (auto chunk = connection.read_chunk()) chunks.push_back(*chunk);
    EXPECT_EQ(chunks, (std::vector<std::string>{"chunk0\n", "chunk1\n", "chunk2\n"}));
    // The connection stays usable after a stream.
    ASSERT_TRUE(connection.send_request("GET", "/echo"));
    EXPECT_EQ(connection.read_response().status, 200);
}

TEST_F(TransportTest, ClientThatDisconnectsMidStreamCancelsIt) {
    start();
    auto cancelled = cancelled_.get_future();
    {
        HttpConnection connection(port_);
        ASSERT_TRUE(connection.send_request("GET", "/endless"));
        ASSERT_EQ(connection.read_head().status, 200);
        ASSERT_TRUE(connection.read_chunk().has_value());
    }
    EXPECT_EQ(cancelled.wait_for(5s), std::future_status::ready);
    for (int idx = 0; idx < 100 && server_->requests_in_flight() > 0; ++idx) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(server_->requests_in_flight(), 0);
}

TEST_F(TransportTest, ConnectionsPastTheLimitGet503) {
    HttpServerConfig config;
    config.max_connections = 2;
    start(config);
    HttpConnection first(port_), second(port_);
    ASSERT_TRUE(first.send_request("GET", "/echo"));
    ASSERT_EQ(first.read_response().status, 200);
    ASSERT_TRUE(second.send_request("GET", "/echo"));
    ASSERT_EQ(second.read_response().status, 200);
    auto third = test::http_request(port_, "GET", "/echo");
    EXPECT_EQ(third.status, 503);
    first.close();
    for (int idx = 0; idx < 100 && server_->open_connections() > 1; ++idx) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(test::http_request(port_, "GET", "/echo").status, 200);
}

// Reads one unmasked server->client WebSocket text frame.
std::optional<std::string> read_ws_frame(int fd) {
    unsigned char head[2];
    if (::recv(fd, head, 2, MSG_WAITALL) != 2) return std::nullopt;
    uint64_t length = head[1] & 0x7f;
    if (length == 126) {
        unsigned char ext[2];
        if (::recv(fd, ext, 2, MSG_WAITALL) != 2) return std::nullopt;
        length = (uint64_t{ext[0]} << 8) | ext[1];
    } else if (length == 127) {
        return std::nullopt;
    }
    std::string payload(length, '\0');
    if (length && ::recv(fd, payload.data(), length, MSG_WAITALL) != static_cast<ssize_t>(length)) return std::nullopt;
    return payload;
}

TEST_F(TransportTest, WebSocketFeedPushesMessages) {
    HttpServerConfig config;
    config.websocket_interval = 50ms;
    start(config);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    const std::string upgrade =
        "GET /ws/count HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    ASSERT_EQ(::send(fd, upgrade.data(), upgrade.size(), 0), static_cast<ssize_t>(upgrade.size()));
    std::string head;
    char byte;
    while (head.find("\r\n\r\n") == std::string::npos && ::recv(fd, &byte, 1, 0) == 1) head += byte;
    EXPECT_EQ(head.rfind("HTTP/1.1 101", 0), 0u) << head;
    EXPECT_NE(head.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos) << head;  // RFC 6455's example
    auto first = read_ws_frame(fd);
    auto second = read_ws_frame(fd);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->rfind("tick ", 0), 0u);
    EXPECT_NE(*first, *second);
    ::close(fd);
}

TEST_F(TransportTest, DrainLetsInFlightRequestsFinishAndRefusesNewConnections) {
    start();
    HttpConnection connection(port_);
    ASSERT_TRUE(connection.send_request("GET", "/slow"));
    for (int idx = 0; idx < 100 && server_->requests_in_flight() == 0; ++idx) std::this_thread::sleep_for(5ms);
    ASSERT_EQ(server_->requests_in_flight(), 1);
    server_->stop_accepting();
    EXPECT_EQ(server_->wait_idle(5s), 0);
    auto response = connection.read_response();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "slow");
    EXPECT_EQ(response.headers["connection"], "close");
    HttpConnection late(port_);
    EXPECT_FALSE(late.connected());
    server_->shutdown();
    EXPECT_EQ(server_->open_connections(), 0);
}

}  // namespace
}  // namespace hearth::server
