#include "server/api/blocking_pool.h"

#include "base/log.h"
#include "server/pending_response.h"

namespace hearth::server::api {

BlockingPool::BlockingPool(int n_threads, size_t max_queued, std::string overloaded)
    : max_queued_(max_queued), overloaded_(std::move(overloaded)) {
    for (int thread_idx = 0; thread_idx < std::max(1, n_threads); ++thread_idx)
        threads_.emplace_back([this] { worker(); });
}

BlockingPool::~BlockingPool() { join(); }

void BlockingPool::join() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_)
        if (thread.joinable()) thread.join();
}

Reply BlockingPool::run(std::function<HttpResponse()> work, std::shared_ptr<RequestRecord> record, ErrorStyle style) {
    auto pending = std::make_shared<PendingResponse>();
    const bool posted = post([pending, record, style, work = std::move(work)] {
        HttpResponse response;
        if (pending->cancelled()) {
            response = error_response(ApiError::internal("cancelled: the client went away"), style);
        } else {
            try {
                response = work();
            } catch (const std::exception& error) {
                log::error("handler threw: {}", error.what());
                response = error_response(ApiError::internal("internal error"), style);
            }
        }
        record->finish(response.status);
        pending->complete(std::move(response));
    });
    if (!posted) return overloaded(style);
    return pending;
}

bool BlockingPool::post(std::function<void()> task) {
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= max_queued_ || stop_) return false;
        queue_.push_back(std::move(task));
    }
    wake_.notify_one();
    return true;
}

HttpResponse BlockingPool::overloaded(ErrorStyle style) const {
    return error_response(ApiError{503, overloaded_, "server_error", "", "server_overloaded"}, style);
}

void BlockingPool::worker() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
            if (queue_.empty()) return;
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        try {
            task();
        } catch (const std::exception& error) {   // a posted task that threw (run()'s answer anyway)
            log::error("blocking task threw: {}", error.what());
        }
    }
}

}  // namespace hearth::server::api
