// A response that completes later: the handler returns at once and the producer (an engine
// thread finishing a generation, a worker running a blocking call) completes it. The transport
// writes it when it is ready and keeps the connection's order of responses. When the client goes
// away first, the transport cancels it, which runs the producer's cancel hook once.
//
// Threads: complete() from any thread; set_notify/take/cancel from the consumer.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/http_message.h"

namespace hearth::server {

class PendingResponse {
public:
    // The first call wins; later calls are ignored.
    void complete(HttpResponse response);
    bool completed() const;
    // Headers added to the response when it completes (rate-limit headers set before the
    // handler runs).
    void add_headers(std::vector<std::pair<std::string, std::string>> headers);

    // Consumer: runs once when the response is ready (at once if it already is), on the
    // completing thread: it must only post work.
    void set_notify(std::function<void()> notify);
    std::optional<HttpResponse> take();
    void cancel();
    bool cancelled() const;
    void set_cancel_hook(std::function<void()> hook);

    // Blocks until completed (tests, command-line tools).
    HttpResponse wait();

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<HttpResponse> response_;
    std::vector<std::pair<std::string, std::string>> extra_headers_;
    bool done_ = false;
    bool cancelled_ = false;
    std::function<void()> notify_;
    std::function<void()> cancel_hook_;
};

}  // namespace hearth::server
