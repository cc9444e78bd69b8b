#include "server/pending_response.h"

#include <utility>

namespace hearth::server {

void PendingResponse::complete(HttpResponse response) {
    std::function<void()> notify;
    {
        std::lock_guard lock(mutex_);
        if (done_) return;
        done_ = true;
        for (auto& header : extra_headers_) response.headers.push_back(std::move(header));
        extra_headers_.clear();
        response_ = std::move(response);
        notify = std::move(notify_);
        notify_ = nullptr;
        changed_.notify_all();
    }
    if (notify) notify();
}

void PendingResponse::add_headers(std::vector<std::pair<std::string, std::string>> headers) {
    std::lock_guard lock(mutex_);
    if (done_) {
        if (response_)
            for (auto& header : headers) response_->headers.push_back(std::move(header));
        return;
    }
    for (auto& header : headers) extra_headers_.push_back(std::move(header));
}

bool PendingResponse::completed() const {
    std::lock_guard lock(mutex_);
    return done_;
}

void PendingResponse::set_notify(std::function<void()> notify) {
    {
        std::lock_guard lock(mutex_);
        if (!done_) {
            notify_ = std::move(notify);
            return;
        }
    }
    notify();
}

std::optional<HttpResponse> PendingResponse::take() {
    std::lock_guard lock(mutex_);
    return std::exchange(response_, std::nullopt);
}

void PendingResponse::cancel() {
    std::function<void()> hook;
    {
        std::lock_guard lock(mutex_);
        if (cancelled_) return;
        cancelled_ = true;
        hook = std::move(cancel_hook_);
        cancel_hook_ = nullptr;
    }
    if (hook) hook();
}

bool PendingResponse::cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
}

void PendingResponse::set_cancel_hook(std::function<void()> hook) {
    {
        std::lock_guard lock(mutex_);
        if (!cancelled_) {
            cancel_hook_ = std::move(hook);
            return;
        }
    }
    hook();
}

HttpResponse PendingResponse::wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return done_; });
    return response_ ? std::exchange(response_, std::nullopt).value() : HttpResponse{};
}

}  // namespace hearth::server
