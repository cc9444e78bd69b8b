#include "server/api/generation.h"

#include <algorithm>
#include <mutex>

#include <fmt/core.h>

#include "base/log.h"
#include "server/body_stream.h"
#include "server/pending_response.h"

namespace hearth::server::api {

serving::Usage total_usage(const std::vector<serving::Usage>& per_choice) {
    serving::Usage total;
    for (const serving::Usage& usage : per_choice) {
        total.prompt_tokens = std::max(total.prompt_tokens, usage.prompt_tokens);
        total.cached_prompt_tokens = std::max(total.cached_prompt_tokens, usage.cached_prompt_tokens);
        total.completion_tokens += usage.completion_tokens;
    }
    return total;
}

void CancelRegistry::add(serving::RequestId id) {
    std::lock_guard lock(mutex_);
    ids_.insert(id);
}

bool CancelRegistry::take(serving::RequestId id) {
    std::lock_guard lock(mutex_);
    return ids_.erase(id) > 0;
}

void CancelRegistry::own(serving::RequestId id, const std::string& caller) {
    std::lock_guard lock(mutex_);
    owners_[id] = caller;
}

void CancelRegistry::forget(serving::RequestId id) {
    std::lock_guard lock(mutex_);
    owners_.erase(id);
}

bool CancelRegistry::owned_by(serving::RequestId id, const std::string& caller) {
    std::lock_guard lock(mutex_);
    auto it = owners_.find(id);
    return it != owners_.end() && it->second == caller;
}

namespace {

// Receives one request's events on engine threads; writes the stream or completes the response.
class GenerationSink : public serving::GenerateSink {
public:
    GenerationSink(std::unique_ptr<GenerationFormat> format, int32_t n_choices, bool keep_tokens,
                   std::shared_ptr<BodyStream> stream, std::shared_ptr<PendingResponse> pending,
                   std::shared_ptr<RequestRecord> record, std::string model, CancelRegistry* cancels)
        : cancels_(cancels), format_(std::move(format)), keep_tokens_(keep_tokens), stream_(std::move(stream)),
          pending_(std::move(pending)), record_(std::move(record)), model_(std::move(model)),
          choices_(static_cast<size_t>(std::max(1, n_choices))), last_token_(choices_.size()),
          finished_(choices_.size(), false), usages_(choices_.size()),
          inter_token_(record_->metrics().inter_token_latency.with({model_})) {}

    // The error response when the service refuses the request at once (no event will come).
    HttpResponse refusal(const Error& error) {
        std::lock_guard lock(mutex_);
        done_ = true;
        return format_->failure(error);
    }

    void set_id(serving::RequestId id) {
        std::lock_guard lock(mutex_);
        id_ = id;
        // Under the sink's lock: a generation that already ended is not recorded (nothing would
        // forget it).
        if (cancels_ && !done_) cancels_->own(id, record_->caller());
    }

    void on_token(const serving::TokenEvent& event) override {
        std::lock_guard lock(mutex_);
        if (done_ || event.choice < 0 || static_cast<size_t>(event.choice) >= choices_.size()) return;
        const auto now = Clock::now();
        auto& last = last_token_[event.choice];
        if (last) inter_token_.observe(std::chrono::duration<double>(now - *last).count());
        last = now;
        if (stream_) {
            std::string chunk = format_->stream_token(event);
            if (!chunk.empty()) stream_->write(std::move(chunk));
            return;
        }
        ChoiceOutput& choice = choices_[event.choice];
        choice.text += event.text;
        if (keep_tokens_) choice.tokens.push_back(event);
    }

    void on_finish(const serving::FinishEvent& event) override {
        std::lock_guard lock(mutex_);
        if (done_ || event.choice < 0 || static_cast<size_t>(event.choice) >= choices_.size() ||
            finished_[event.choice])
            return;
        finished_[event.choice] = true;
        usages_[event.choice] = event.usage;
        choices_[event.choice].reason = event.reason;
        timings_ = event.timings;
        ApiMetrics& metrics = record_->metrics();
        if (event.usage.completion_tokens > 0)
            metrics.time_to_first_token.with({model_}).observe(event.timings.time_to_first_token);
        if (event.reason == serving::FinishReason::kCancelled) cancelled_ = true;
        if (event.reason == serving::FinishReason::kError) failed_ = true;
        if (stream_ && event.reason != serving::FinishReason::kCancelled && event.reason != serving::FinishReason::kError) {
            std::string chunk = format_->stream_finish(event);
            if (!chunk.empty()) stream_->write(std::move(chunk));
        }
        if (std::all_of(finished_.begin(), finished_.end(), [](bool finished) { return finished; })) finalize_locked();
    }

    void on_error(const Error& error) override {
        std::lock_guard lock(mutex_);
        if (done_) return;
        error_ = error;
        finalize_locked();
    }

private:
    bool client_gone() const { return stream_ ? stream_->cancelled() : pending_->cancelled(); }

    void finalize_locked() {
        done_ = true;
        if (cancels_ && id_ != 0) cancels_->forget(id_);
        const serving::Usage usage = total_usage(usages_);
        ApiMetrics& metrics = record_->metrics();
        metrics.prompt_tokens.with({model_}).inc(usage.prompt_tokens);
        metrics.generated_tokens.with({model_}).inc(usage.completion_tokens);
        record_->add_tokens(usage.prompt_tokens + usage.completion_tokens);
        if (cancelled_ && !error_) {
            const bool gone = client_gone();
            const bool by_api = !gone && cancels_ && id_ != 0 && cancels_->take(id_);
            metrics.cancelled.with({gone ? "client_disconnected" : by_api ? "api" : "server"}).inc();
            log::info("request {} ({}) cancelled after {} generated tokens: {}", id_, record_->route(),
                      usage.completion_tokens,
                      gone ? "the client went away" : by_api ? "DELETE /api/requests" : "the server cancelled it");
            if (gone) error_ = Error{Errc::kCancelled, "the client went away"};
            else if (by_api)
                error_ = Error{Errc::kCancelled, fmt::format("request {} was cancelled (DELETE /api/requests/{})", id_, id_)};
            else error_ = Error{Errc::kUnavailable, "the request was cancelled (the server is shutting down)"};
        } else if (failed_ && !error_) {
            error_ = Error{Errc::kInternal, "the generation failed"};
        }
        if (error_ && error_->code != Errc::kCancelled) log::warn("request {} failed: {}", id_, error_->message);

        if (stream_) {
            stream_->write(error_ ? format_->stream_error(*error_) : format_->stream_end(usage, timings_));
            stream_->close();
            record_->finish(200);  // the status line went out before the first token
            return;
        }
        HttpResponse response = error_ ? format_->failure(*error_) : format_->complete(choices_, usage, timings_);
        if (id_ != 0) response.headers.emplace_back("X-Request-Id", std::to_string(id_));
        record_->finish(response.status);
        pending_->complete(std::move(response));
    }

    std::mutex mutex_;
    CancelRegistry* cancels_;
    std::unique_ptr<GenerationFormat> format_;
    const bool keep_tokens_;
    std::shared_ptr<BodyStream> stream_;
    std::shared_ptr<PendingResponse> pending_;
    std::shared_ptr<RequestRecord> record_;
    const std::string model_;
    serving::RequestId id_ = 0;
    std::vector<ChoiceOutput> choices_;
    std::vector<std::optional<Clock::time_point>> last_token_;
    std::vector<bool> finished_;
    std::vector<serving::Usage> usages_;
    serving::Timings timings_;
    metrics::Histogram& inter_token_;
    std::optional<Error> error_;
    bool cancelled_ = false;
    bool failed_ = false;
    bool done_ = false;
};

}  // namespace

Reply start_generation(serving::Service& service, serving::GenerateRequest request,
                       std::unique_ptr<GenerationFormat> format, const GenerationOptions& options,
                       std::shared_ptr<RequestRecord> record) {
    const char* content_type = format->stream_content_type();
    std::shared_ptr<BodyStream> stream;
    std::shared_ptr<PendingResponse> pending;
    if (options.stream) {
        stream = std::make_shared<BodyStream>(options.max_stream_buffer_bytes);
        // Written before submit: events may arrive before submit() returns.
        if (std::string first = format->stream_start(); !first.empty()) stream->write(std::move(first));
    } else {
        pending = std::make_shared<PendingResponse>();
    }
    auto sink = std::make_shared<GenerationSink>(std::move(format), request.n_choices, options.keep_tokens, stream,
                                                 pending, record, request.model, options.cancels);
    auto id = service.submit(std::move(request), sink);
    // Refused at once: no event will come and the pipeline records the status.
    if (!id.ok()) return sink->refusal(id.error());
    sink->set_id(*id);
    auto cancel = [&service, id = *id] { (void)service.cancel(id); };
    if (stream) {
        stream->set_cancel_hook(cancel);
        HttpResponse response;
        response.content_type = content_type;
        // The id goes out with the headers, before the first token: DELETE /api/requests/{id} cancels.
        response.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}, {"X-Request-Id", std::to_string(*id)}};
        response.stream = std::move(stream);
        return response;
    }
    pending->set_cancel_hook(cancel);
    return pending;
}

}  // namespace hearth::server::api
