// Worker threads for service calls that block (embeddings, tokenizer and template calls that may
// load a model), so they never run on an I/O thread. Each call answers with a PendingResponse.
// Threads: run() from any thread; the destructor finishes queued work, then joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/api/api_metrics.h"
#include "server/api/errors.h"
#include "server/http_message.h"

namespace hearth::server::api {

class BlockingPool {
public:
    // `overloaded` is the 503 message run() answers when `max_queued` calls already wait.
    BlockingPool(int n_threads, size_t max_queued,
                 std::string overloaded = "too many requests are waiting for the model; try again later");
    ~BlockingPool();
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    // Queues `work`; the reply completes with its response (and finishes `record`). A 503 in the
    // route's error style when `max_queued` calls already wait.
    Reply run(std::function<HttpResponse()> work, std::shared_ptr<RequestRecord> record, ErrorStyle style);
    // Queues a task that answers by itself (a streamed response); false when `max_queued` tasks
    // already wait or the pool has stopped.
    bool post(std::function<void()> task);
    // The 503 for a refused call.
    HttpResponse overloaded(ErrorStyle style) const;
    // Refuses new calls (503), finishes the queued ones and joins the threads. Idempotent; one
    // thread at a time.
    void join();

private:
    void worker();

    const size_t max_queued_;
    const std::string overloaded_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;
    bool stop_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace hearth::server::api
