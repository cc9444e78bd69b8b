// Boost.Beast transport: listener, HTTP sessions (one strand each), WebSocket feed sessions.
#include <utility>  // before Asio (g++ 12, NOTES-debian.md)

#include "server/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <array>
#include <optional>
#include <type_traits>
#include <atomic>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/log.h"
#include "server/body_stream.h"
#include "server/pending_response.h"

namespace hearth::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
namespace ssl = net::ssl;
using PlainStream = tcp::socket;
using TlsStream = ssl::stream<tcp::socket>;
using Executor = tcp::socket::executor_type;  // a strand: sockets are accepted on make_strand()

// Something the server can close on shutdown (an HTTP or a WebSocket session).
class Connection {
public:
    virtual ~Connection() = default;
    virtual void stop() = 0;  // posts a close to the connection's strand
};

struct HttpServer::Impl {
    HttpServerConfig config;
    HttpHandlers handlers;
    net::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::optional<ssl::context> tls;   // set when serving HTTPS
    std::vector<std::thread> threads;
    std::atomic<bool> accepting{true};
    std::atomic<bool> stopped{false};
    std::atomic<int64_t> connections{0};
    std::atomic<int64_t> in_flight{0};
    uint16_t bound_port = 0;   // set once at start()
    std::mutex connections_mutex;
    std::unordered_map<Connection*, std::weak_ptr<Connection>> live;

    void do_accept();
    void on_accept(beast::error_code ec, tcp::socket socket);
    void add(const std::shared_ptr<Connection>& connection) {
        std::lock_guard lock(connections_mutex);
        live.emplace(connection.get(), connection);
    }
    void remove(Connection* connection) {
        std::lock_guard lock(connections_mutex);
        live.erase(connection);
    }
};

namespace {

bool is_disconnect(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::error::operation_aborted ||
           ec == net::error::bad_descriptor || ec == net::error::not_connected || ec == websocket::error::closed;
}

std::string lower(beast::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// ---------------------------------------------------------------------------------------------
// WebSocket: pushes the feed's message every interval until the client closes.
template <typename Stream>
class WebSocketSession : public Connection, public std::enable_shared_from_this<WebSocketSession<Stream>> {
public:
    using std::enable_shared_from_this<WebSocketSession<Stream>>::shared_from_this;
    using std::enable_shared_from_this<WebSocketSession<Stream>>::weak_from_this;
    WebSocketSession(Stream&& stream, HttpServer::Impl& server, std::function<std::string()> feed)
        : ws_(std::move(stream)), timer_(ws_.get_executor()), server_(server), feed_(std::move(feed)) {
        server_.connections.fetch_add(1);
    }
    ~WebSocketSession() override { server_.connections.fetch_sub(1); }

    void run(http::request<http::string_body> request) {
        server_.add(shared_from_this());
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
    }

    void stop() override {
        net::post(ws_.get_executor(), [weak = weak_from_this()] {
            if (auto self = weak.lock()) self->close();
        });
    }

private:
    void on_accept(beast::error_code ec) {
        if (ec) return close();
        do_read();
        do_push();
    }
    void do_read() {
        ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (ec) return self->close();
            self->buffer_.consume(self->buffer_.size());  // subscribers have nothing to say
            self->do_read();
        });
    }
    void do_push() {
        if (closed_) return;
        message_ = feed_();
        ws_.text(true);
        ws_.async_write(net::buffer(message_), [self = shared_from_this()](beast::error_code ec, size_t) {
            if (ec) return self->close();
            self->timer_.expires_after(self->server_.config.websocket_interval);
            self->timer_.async_wait([self](beast::error_code wait_ec) {
                if (!wait_ec) self->do_push();
            });
        });
    }
    void close() {
        if (closed_) return;
        closed_ = true;
        timer_.cancel();
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).shutdown(tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(ws_).close(ignored);
        server_.remove(this);
    }

    websocket::stream<Stream> ws_;
    net::steady_timer timer_;
    HttpServer::Impl& server_;
    std::function<std::string()> feed_;
    beast::flat_buffer buffer_;
    std::string message_;
    bool closed_ = false;
};

// ---------------------------------------------------------------------------------------------
// One HTTP connection. Everything below runs on the connection's strand.
// Stream: a plain socket (HTTP) or a TLS stream over one (HTTPS: the handshake comes first).
template <typename Stream>
class HttpSession : public Connection, public std::enable_shared_from_this<HttpSession<Stream>> {
public:
    static constexpr bool kTls = !std::is_same_v<Stream, PlainStream>;
    using std::enable_shared_from_this<HttpSession<Stream>>::shared_from_this;
    using std::enable_shared_from_this<HttpSession<Stream>>::weak_from_this;

    HttpSession(Stream&& stream, HttpServer::Impl& server)
        : socket_(std::move(stream)), executor_(beast::get_lowest_layer(socket_).get_executor()), read_timer_(executor_),
          write_timer_(executor_), server_(server) {
        server_.connections.fetch_add(1);
        beast::error_code ec;
        const tcp::endpoint peer = beast::get_lowest_layer(socket_).remote_endpoint(ec);
        if (!ec) {
            remote_ = peer.address().to_string();
            loopback_ = peer.address().is_loopback();
        }
    }
    ~HttpSession() override { server_.connections.fetch_sub(1); }

    void run() {
        server_.add(shared_from_this());
        if constexpr (kTls) {
            net::dispatch(executor_, [self = shared_from_this()] {
                self->arm(self->read_timer_, self->server_.config.read_timeout);
                self->socket_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
                    self->read_timer_.cancel();
                    if (ec) {
                        log::debug("http: TLS handshake with {} failed: {}", self->remote_, ec.message());
                        return self->close();
                    }
                    self->do_read();
                });
            });
        } else {
            net::dispatch(executor_, [self = shared_from_this()] { self->do_read(); });
        }
    }
    // Over the connection limit: answer 503 and close.
    void reject(int status, const std::string& message) {
        server_.add(shared_from_this());
        net::dispatch(executor_, [self = shared_from_this(), status, message] {
            self->respond_error(status, message);
        });
    }

    void stop() override {
        net::post(executor_, [weak = weak_from_this()] {
            if (auto self = weak.lock()) self->close();
        });
    }

private:
    struct Slot {
        Reply reply;
        unsigned version = 11;
        bool keep_alive = true;
        bool counted = true;           // counts as a request in flight
        bool head_sent = false;        // streams: the header has gone out
        bool linger = false;           // an error answered before the body was read
    };

    // ---- reading ----------------------------------------------------------------------------
    void do_read() {
        if (closed_ || reading_ || close_after_) return;
        if (static_cast<int>(queue_.size()) >= server_.config.max_queued_responses) return;  // resumed by on_written
        parser_.emplace();
        parser_->header_limit(static_cast<uint32_t>(server_.config.max_header_bytes));
        parser_->body_limit(server_.config.max_body_bytes);
        reading_ = true;
        arm_idle_timer();
        http::async_read_header(socket_, buffer_, *parser_,
                                [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read_header(ec); });
    }

    // While nothing is being answered, an open connection may wait `idle_timeout` for a request.
    void arm_idle_timer() {
        if (!reading_ || !queue_.empty() || closed_) {
            read_timer_.cancel();
            return;
        }
        arm(read_timer_, server_.config.idle_timeout);
    }

    // Closes the connection when the timer runs out (a re-arm or cancel aborts the wait).
    void arm(net::steady_timer& timer, std::chrono::milliseconds timeout) {
        timer.expires_after(timeout);
        timer.async_wait([weak = weak_from_this()](beast::error_code ec) {
            if (ec) return;
            if (auto self = weak.lock()) {
                log::debug("http: closing {} after a timeout", self->remote_);
                self->close();
            }
        });
    }

    void on_read_header(beast::error_code ec) {
        if (closed_) return;
        if (ec) return on_read_error(ec);
        arm(read_timer_, server_.config.read_timeout);
        const auto& header = parser_->get();
        if (lower(header[http::field::expect]) == "100-continue" && !parser_->is_done()) {
            static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            net::async_write(socket_, net::buffer(kContinue), [self = shared_from_this()](beast::error_code wec, size_t) {
                if (wec || self->closed_) return self->close();
                self->read_body();
            });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(socket_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
    }

    void on_read_error(beast::error_code ec) {
        reading_ = false;
        read_timer_.cancel();
        if (closed_) return;
        if (ec == http::error::body_limit)
            return respond_error(413, fmt::format("the request body is larger than the limit of {} bytes",
                                                  server_.config.max_body_bytes));
        if (ec == http::error::header_limit)
            return respond_error(431, fmt::format("the request header is larger than the limit of {} bytes",
                                                  server_.config.max_header_bytes));
        if (is_disconnect(ec)) return close();
        respond_error(400, "malformed HTTP request: " + ec.message());
    }

    void on_read(beast::error_code ec) {
        if (closed_) return;
        if (ec) return on_read_error(ec);
        reading_ = false;
        read_timer_.cancel();
        http::request<http::string_body> request = parser_->release();
        parser_.reset();

        if (websocket::is_upgrade(request)) {
            const std::string path(request.target().substr(0, request.target().find('?')));
            auto feed = server_.handlers.websocket_feeds.find(path);
            if (feed != server_.handlers.websocket_feeds.end() && queue_.empty() && server_.handlers.websocket_check) {
                HttpRequest check;
                check.method = std::string(request.method_string());
                check.target = std::string(request.target());
                check.path = path;
                for (const auto& field : request)
                    check.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
                check.remote_address = remote_;
                check.loopback = loopback_;
                if (auto refused = server_.handlers.websocket_check(check)) {
                    Slot slot;
                    slot.reply = std::move(*refused);
                    slot.keep_alive = false;
                    slot.counted = false;
                    slot.linger = true;
                    close_after_ = true;
                    queue_.push_back(std::move(slot));
                    return maybe_write();
                }
            }
            if (feed != server_.handlers.websocket_feeds.end() && queue_.empty()) {
                // The socket moves to the WebSocket session; this session ends quietly.
                closed_ = true;
                server_.remove(this);
                std::make_shared<WebSocketSession<Stream>>(std::move(socket_), server_, feed->second)->run(std::move(request));
                return;
            }
            return respond_error(404, "no WebSocket endpoint at " + path);
        }

        HttpRequest message;
        message.method = std::string(request.method_string());
        message.target = std::string(request.target());
        const size_t question = message.target.find('?');
        auto path = percent_decode(std::string_view(message.target).substr(0, question));
        if (!path) return respond_error(400, "malformed percent-encoding in the request path");
        message.path = std::move(*path);
        if (question != std::string::npos) message.query = message.target.substr(question + 1);
        for (const auto& field : request) message.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
        message.body = std::move(request.body());
        message.remote_address = remote_;
        message.loopback = loopback_;

        Slot slot;
        slot.version = request.version();
        slot.keep_alive = request.keep_alive() && server_.accepting.load();
        server_.in_flight.fetch_add(1);
        try {
            slot.reply = server_.handlers.handle(std::move(message));
        } catch (const std::exception& error) {
            log::error("http: handler threw: {}", error.what());
            slot.reply = server_.handlers.error(500, "internal error");
        }
        if (!slot.keep_alive) close_after_ = true;
        watch(slot.reply);
        queue_.push_back(std::move(slot));
        maybe_write();
        do_read();
    }

    // Pending responses and streams call back here (from any thread) when they have something.
    void watch(const Reply& reply) {
        auto wake = [weak = weak_from_this(), executor = executor_] {
            net::post(executor, [weak] {
                if (auto self = weak.lock()) self->maybe_write();
            });
        };
        if (const auto* pending = std::get_if<std::shared_ptr<PendingResponse>>(&reply)) (*pending)->set_notify(wake);
        else if (const auto& stream = std::get<HttpResponse>(reply).stream) stream->set_notify(wake);
    }

    void respond_error(int status, const std::string& message) {
        Slot slot;
        slot.reply = server_.handlers.error(status, message);
        slot.keep_alive = false;
        slot.counted = false;
        slot.linger = true;
        close_after_ = true;
        queue_.push_back(std::move(slot));
        maybe_write();
    }

    // ---- writing ----------------------------------------------------------------------------
    void maybe_write() {
        if (writing_ || closed_ || queue_.empty()) return;
        Slot& slot = queue_.front();
        if (auto* pending = std::get_if<std::shared_ptr<PendingResponse>>(&slot.reply)) {
            if (!(*pending)->completed()) return;  // its notify brings us back
            std::optional<HttpResponse> response = (*pending)->take();
            slot.reply = response ? std::move(*response) : server_.handlers.error(500, "a response was lost");
            watch(slot.reply);                     // a pending response may complete into a stream
        }
        HttpResponse& response = std::get<HttpResponse>(slot.reply);
        if (!slot.head_sent && !server_.accepting.load()) slot.keep_alive = false;  // draining: close after
        if (response.stream) return write_stream(slot, response);

        auto message = std::make_shared<http::response<http::string_body>>(
            static_cast<http::status>(response.status), slot.version);
        set_header(*message, response, slot.keep_alive);
        message->body() = std::move(response.body);
        message->prepare_payload();
        writing_ = true;
        arm(write_timer_, server_.config.write_timeout);
        http::async_write(socket_, *message, [self = shared_from_this(), message](beast::error_code ec, size_t) {
            self->on_written(ec, true);
        });
    }

    template <typename Message>
    void set_header(Message& message, const HttpResponse& response, bool keep_alive) {
        message.set(http::field::server, "hearth");
        if (!response.content_type.empty()) message.set(http::field::content_type, response.content_type);
        for (const auto& [name, value] : response.headers) message.set(name, value);
        message.keep_alive(keep_alive);
    }

    void write_stream(Slot& slot, HttpResponse& response) {
        if (!slot.head_sent) {
            auto head = std::make_shared<http::response<http::empty_body>>(
                static_cast<http::status>(response.status), slot.version);
            set_header(*head, response, slot.keep_alive);
            head->chunked(true);
            auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
            slot.head_sent = true;
            writing_ = true;
            arm(write_timer_, server_.config.write_timeout);
            http::async_write_header(socket_, *serializer,
                                     [self = shared_from_this(), head, serializer](beast::error_code ec, size_t) {
                                         self->on_written(ec, false);
                                     });
            return;
        }
        BodyStream::Taken taken = response.stream->take();
        if (taken.cancelled) {
            log::warn("http: dropping {}: the client reads slower than the stream is produced", remote_);
            return close();
        }
        if (!taken.data.empty()) {
            auto data = std::make_shared<std::string>(std::move(taken.data));
            writing_ = true;
            arm(write_timer_, server_.config.write_timeout);
            net::async_write(socket_, http::make_chunk(net::buffer(*data)),
                             [self = shared_from_this(), data](beast::error_code ec, size_t) {
                                 self->on_written(ec, false);
                             });
            return;
        }
        if (!taken.closed) return;  // the stream's notify brings us back
        writing_ = true;
        arm(write_timer_, server_.config.write_timeout);
        net::async_write(socket_, http::make_chunk_last(), [self = shared_from_this()](beast::error_code ec, size_t) {
            self->on_written(ec, true);
        });
    }

    void on_written(beast::error_code ec, bool response_done) {
        writing_ = false;
        write_timer_.cancel();
        // A close (the client went away, a timeout) may have run while the write was under way:
        // the queue is gone then, whatever the write's outcome.
        if (ec || closed_) return close();
        if (response_done) {
            const bool keep_alive = queue_.front().keep_alive;
            const bool linger = queue_.front().linger;
            if (queue_.front().counted) server_.in_flight.fetch_sub(1);
            queue_.pop_front();
            if (linger) return linger_close();
            if (!keep_alive) return close();
            arm_idle_timer();
            do_read();
        }
        maybe_write();
    }

    // After answering an error before the request's body was read (413, 431, 400): stop sending,
    // then read and drop what the client is still sending for a while, so that closing with
    // unread bytes does not reset the connection before the client has read the answer.
    void linger_close() {
        if constexpr (kTls) return close();   // no half-close under TLS
        beast::error_code ignored;
        beast::get_lowest_layer(socket_).shutdown(tcp::socket::shutdown_send, ignored);
        discard_ = std::make_shared<std::array<char, 65536>>();
        do_discard(0);
    }
    void do_discard(size_t discarded) {
        constexpr size_t kMaxDiscard = size_t{64} << 20;
        if (closed_ || discarded > kMaxDiscard) return close();
        arm(read_timer_, std::chrono::milliseconds(2000));
        socket_.async_read_some(net::buffer(*discard_), [self = shared_from_this(), discarded](beast::error_code ec,
                                                                                              size_t n_read) {
            if (ec) return self->close();
            self->do_discard(discarded + n_read);
        });
    }

    // The one way out: cancels what is still being answered, closes the socket.
    void close() {
        if (closed_) return;
        closed_ = true;
        read_timer_.cancel();
        write_timer_.cancel();
        for (Slot& slot : queue_) {
            if (slot.counted) server_.in_flight.fetch_sub(1);
            if (auto* pending = std::get_if<std::shared_ptr<PendingResponse>>(&slot.reply)) {
                (*pending)->cancel();
            } else if (const auto& stream = std::get<HttpResponse>(slot.reply).stream) {
                if (!stream->take().closed) log::info("http: client {} went away mid-stream; cancelling", remote_);
                stream->cancel();
            }
        }
        queue_.clear();
        beast::error_code ignored;
        beast::get_lowest_layer(socket_).shutdown(tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(socket_).close(ignored);
        server_.remove(this);
    }

    Stream socket_;
    Executor executor_;
    net::steady_timer read_timer_;
    net::steady_timer write_timer_;
    HttpServer::Impl& server_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::deque<Slot> queue_;
    std::shared_ptr<std::array<char, 65536>> discard_;   // lingering close
    std::string remote_;
    bool loopback_ = false;
    bool reading_ = false;
    bool writing_ = false;
    bool close_after_ = false;
    bool closed_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
void HttpServer::Impl::do_accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
        on_accept(ec, std::move(socket));
    });
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
    if (!accepting.load() || !acceptor.is_open()) return;
    if (ec) {
        log::warn("http: accept failed: {}", ec.message());
    } else {
        auto start = [&](auto session) {
            if (connections.load() > config.max_connections)
                session->reject(503, fmt::format("the server has {} connections open, its limit", config.max_connections));
            else
                session->run();
        };
        if (tls)
            start(std::make_shared<HttpSession<TlsStream>>(TlsStream(std::move(socket), *tls), *this));
        else
            start(std::make_shared<HttpSession<PlainStream>>(std::move(socket), *this));
    }
    do_accept();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpServerConfig& config, HttpHandlers handlers) {
    auto impl = std::make_unique<Impl>();
    impl->config = config;
    impl->handlers = std::move(handlers);
    if (!config.tls_cert_file.empty() || !config.tls_key_file.empty()) {
        if (config.tls_cert_file.empty() || config.tls_key_file.empty())
            return Error::make(Errc::kInvalidArgument, "TLS needs both a certificate (--tls-cert) and a key (--tls-key)");
        impl->tls.emplace(ssl::context::tls_server);
        beast::error_code tls_ec;
        impl->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                               ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
        impl->tls->use_certificate_chain_file(config.tls_cert_file, tls_ec);
        if (tls_ec)
            return Error::make(Errc::kInvalidArgument, "cannot use TLS certificate '{}': {}", config.tls_cert_file,
                               tls_ec.message());
        impl->tls->use_private_key_file(config.tls_key_file, ssl::context::pem, tls_ec);
        if (tls_ec)
            return Error::make(Errc::kInvalidArgument, "cannot use TLS key '{}': {}", config.tls_key_file, tls_ec.message());
    }
    beast::error_code ec;
    const auto address = net::ip::make_address(config.host, ec);
    if (ec) return Error::make(Errc::kInvalidArgument, "'{}' is not an IP address", config.host);
    const tcp::endpoint endpoint{address, config.port};
    impl->acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) impl->acceptor.bind(endpoint, ec);
    if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Error::make(Errc::kIo, "cannot listen on {}:{}: {}", config.host, config.port, ec.message());
    impl->bound_port = impl->acceptor.local_endpoint(ec).port();
    impl->do_accept();
    const int n_threads = std::max(1, config.io_threads);
    for (int thread_idx = 0; thread_idx < n_threads; ++thread_idx)
        impl->threads.emplace_back([ioc = &impl->ioc] { ioc->run(); });
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() { shutdown(); }

uint16_t HttpServer::port() const { return impl_->bound_port; }

void HttpServer::stop_accepting() {
    if (!impl_->accepting.exchange(false)) return;
    std::promise<void> closed;
    net::post(impl_->acceptor.get_executor(), [this, &closed] {
        beast::error_code ignored;
        impl_->acceptor.close(ignored);
        closed.set_value();
    });
    if (!impl_->stopped.load()) closed.get_future().wait();
}

int64_t HttpServer::wait_idle(std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return impl_->in_flight.load();
}

void HttpServer::shutdown() {
    if (impl_->stopped.load()) return;
    stop_accepting();
    std::vector<std::shared_ptr<Connection>> connections;
    {
        std::lock_guard lock(impl_->connections_mutex);
        for (auto& [raw, weak] : impl_->live)
            if (auto connection = weak.lock()) connections.push_back(std::move(connection));
    }
    for (auto& connection : connections) connection->stop();
    connections.clear();
    // Let the closes run, then stop the loop.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (impl_->connections.load() > 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    impl_->stopped.store(true);
    impl_->ioc.stop();
    for (auto& thread : impl_->threads) thread.join();
    impl_->threads.clear();
}

int64_t HttpServer::open_connections() const { return impl_->connections.load(); }
int64_t HttpServer::requests_in_flight() const { return impl_->in_flight.load(); }

}  // namespace hearth::server
