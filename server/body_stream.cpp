#include "server/body_stream.h"

#include <utility>

namespace hearth::server {

BodyStream::BodyStream(size_t max_buffered_bytes) : max_buffered_bytes_(max_buffered_bytes) {}

bool BodyStream::write(std::string chunk) {
    std::unique_lock lock(mutex_);
    if (cancelled_ || closed_) return false;
    if (buffer_.size() + chunk.size() > max_buffered_bytes_) {
        // The client reads slower than the producer writes, by more than the limit: drop it.
        lock.unlock();
        cancel();
        return false;
    }
    buffer_ += chunk;
    notify_locked(lock);
    return true;
}

void BodyStream::close() {
    std::unique_lock lock(mutex_);
    if (closed_) return;
    closed_ = true;
    notify_pending_ = false;  // a close always notifies
    notify_locked(lock);
}

void BodyStream::notify_locked(std::unique_lock<std::mutex>& lock) {
    changed_.notify_all();
    if (notify_pending_ || !notify_) return;
    notify_pending_ = true;
    auto notify = notify_;
    lock.unlock();
    notify();
}

BodyStream::Taken BodyStream::take() {
    std::lock_guard lock(mutex_);
    Taken taken{std::move(buffer_), closed_, cancelled_};
    buffer_.clear();
    notify_pending_ = false;
    return taken;
}

void BodyStream::set_notify(std::function<void()> notify) {
    std::unique_lock lock(mutex_);
    notify_ = std::move(notify);
    notify_pending_ = false;
    if (!buffer_.empty() || closed_) notify_locked(lock);
}

void BodyStream::cancel() {
    std::function<void()> hook;
    {
        std::lock_guard lock(mutex_);
        if (cancelled_) return;
        cancelled_ = true;
        buffer_.clear();
        hook = std::move(cancel_hook_);
        cancel_hook_ = nullptr;
        changed_.notify_all();
    }
    if (hook) hook();
}

bool BodyStream::cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
}

void BodyStream::set_cancel_hook(std::function<void()> hook) {
    {
        std::lock_guard lock(mutex_);
        if (!cancelled_) {
            cancel_hook_ = std::move(hook);
            return;
        }
    }
    hook();
}

std::string BodyStream::read_all() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || cancelled_; });
    return std::exchange(buffer_, {});
}

}  // namespace hearth::server
