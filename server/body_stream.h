// A response body produced over time: the handler's producer (a GenerateSink on an engine
// thread) writes chunks; the transport takes them on the connection's strand and writes them to
// the socket. When the client goes away the transport cancels the stream, which runs the
// producer's cancel hook once (for a generation: Service::cancel).
//
// Threads: write()/close() from any thread; set_notify/take/cancel from the consumer; the hook
// may run on either side. The notify callback runs on the producer's thread and must only post
// work (it is called once per transition from empty to non-empty, and on close).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

namespace hearth::server {

class BodyStream {
public:
    // A producer that runs ahead of a slow client by more than `max_buffered_bytes` gets the
    // stream cancelled (slow clients are dropped, not buffered forever).
    explicit BodyStream(size_t max_buffered_bytes = size_t{8} << 20);

    // Producer. Returns false once the stream is cancelled (the chunk is dropped).
    bool write(std::string chunk);
    // End of the body. Idempotent.
    void close();

    // Consumer. Everything buffered so far, and whether the producer closed or the stream was
    // cancelled.
    struct Taken {
        std::string data;
        bool closed = false;
        bool cancelled = false;
    };
    Taken take();
    void set_notify(std::function<void()> notify);   // runs at once if data is already waiting
    // The consumer is gone: later writes fail and the cancel hook runs (once).
    void cancel();
    bool cancelled() const;

    // Producer side: what to do when the consumer goes away. Runs at once if already cancelled.
    void set_cancel_hook(std::function<void()> hook);

    // Blocks until the stream closes or is cancelled; returns everything not yet taken (tests).
    std::string read_all();

private:
    void notify_locked(std::unique_lock<std::mutex>& lock);

    const size_t max_buffered_bytes_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string buffer_;
    bool closed_ = false;
    bool cancelled_ = false;
    bool notify_pending_ = false;
    std::function<void()> notify_;
    std::function<void()> cancel_hook_;
};

}  // namespace hearth::server
