// Audio endpoints: POST /v1/audio/speech (audio streams back chunked as it is synthesized),
// POST /v1/audio/transcriptions (multipart/form-data), GET /v1/audio/voices.
// Speech calls block (synthesis, decoding, a model load), so they run on the audio workers, never
// on an I/O thread; a full worker queue answers 503.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "server/api/audio_request.h"
#include "server/api/audio_response.h"
#include "server/api/context.h"
#include "server/body_stream.h"
#include "server/pending_response.h"

namespace hearth::server::api {

namespace {

// Worker threads for audio requests (their own, so long syntheses never hold up the tokenizer and
// embedding calls of the shared blocking pool).
class AudioWorkers {
public:
    AudioWorkers(int n_threads, size_t max_queued) : max_queued_(max_queued) {
        for (int idx = 0; idx < n_threads; ++idx) threads_.emplace_back([this] { worker(); });
    }
    ~AudioWorkers() { join(); }
    // Refuses new work, finishes the queued work, joins the threads. Idempotent.
    void join() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (std::thread& thread : threads_)
            if (thread.joinable()) thread.join();
    }
    bool post(std::function<void()> task) {
        {
            std::lock_guard lock(mutex_);
            if (stop_ || queue_.size() >= max_queued_) return false;
            queue_.push_back(std::move(task));
        }
        wake_.notify_one();
        return true;
    }

private:
    void worker() {
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
                if (queue_.empty()) return;
                task = std::move(queue_.front());
                queue_.pop_front();
            }
            try {
                task();
            } catch (const std::exception& error) {
                log::error("audio request threw: {}", error.what());
            }
        }
    }
    const size_t max_queued_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;
    bool stop_ = false;
    std::vector<std::thread> threads_;
};

HttpResponse overloaded() {
    return error_response(ApiError{503, "too many audio requests are waiting; try again later", "server_error", "",
                                   "server_overloaded"});
}

const char* content_type_for(const std::string& format) {
    if (format == "wav") return "audio/wav";
    if (format == "flac") return "audio/flac";
    if (format == "mp3") return "audio/mpeg";
    if (format == "opus") return "audio/ogg";
    return "audio/pcm";
}

Reply speech(Context& context, AudioWorkers& workers, const HttpRequest& request, std::shared_ptr<RequestRecord> record) {
    serving::SpeechRequest parsed;
    if (auto error = parse_speech(request.body, parsed)) return error_response(*error);
    auto pending = std::make_shared<PendingResponse>();
    const size_t max_buffer = context.config.max_stream_buffer_bytes;
    const bool posted = workers.post([&context, parsed = std::move(parsed), pending, record, max_buffer] {
        std::shared_ptr<BodyStream> stream;
        auto sink = [&](std::string_view bytes) {
            if (pending->cancelled()) return false;
            if (!stream) {
                stream = std::make_shared<BodyStream>(max_buffer);
                HttpResponse response;
                response.content_type = content_type_for(parsed.format);
                response.headers.emplace_back("X-Sample-Rate", "22050");
                response.stream = stream;
                record->finish(200);   // the status line goes out with the first bytes
                pending->complete(std::move(response));
            }
            return stream->write(std::string(bytes));
        };
        Status status = context.service.speak(parsed, sink);
        if (stream) {
            if (!status.ok() && status.error().code != Errc::kCancelled)
                log::warn("speech failed mid-stream: {}", status.error().message);
            stream->close();
            return;
        }
        HttpResponse response = status.ok() ? error_response(ApiError::internal("no audio was produced"))
                                             : error_response(from_error(status.error()));
        record->finish(response.status);
        pending->complete(std::move(response));
    });
    if (!posted) return overloaded();
    return pending;
}

Reply transcriptions(Context& context, AudioWorkers& workers, const HttpRequest& request,
                     std::shared_ptr<RequestRecord> record) {
    TranscriptionRequest parsed;
    if (auto error = parse_transcription(request, parsed)) return error_response(*error);
    auto pending = std::make_shared<PendingResponse>();
    const bool posted = workers.post([&context, parsed = std::move(parsed), pending, record] {
        HttpResponse response;
        if (pending->cancelled()) {
            response = error_response(ApiError::internal("cancelled: the client went away"));
        } else {
            auto transcript = context.service.transcribe(parsed.transcribe);
            response = transcript.ok() ? render_transcript(*transcript, parsed.response_format)
                                       : error_response(from_error(transcript.error()));
        }
        record->finish(response.status);
        pending->complete(std::move(response));
    });
    if (!posted) return overloaded();
    return pending;
}

Reply voices(Context& context, AudioWorkers& workers, const HttpRequest& request, std::shared_ptr<RequestRecord> record) {
    const std::string model = request.query_param("model").value_or("");
    auto pending = std::make_shared<PendingResponse>();
    const bool posted = workers.post([&context, model, pending, record] {
        auto voices = context.service.voices(model);
        HttpResponse response = voices.ok() ? json_response(render_voices(model.empty() ? "espeak" : model, *voices))
                                            : error_response(from_error(voices.error()));
        record->finish(response.status);
        pending->complete(std::move(response));
    });
    if (!posted) return overloaded();
    return pending;
}

}  // namespace

void add_audio_routes(Router& router, Context& context) {
    Context* ctx = &context;
    // Owned by the routes' handlers; joined by Api::finish_blocking_calls() before the service goes.
    auto workers = std::make_shared<AudioWorkers>(4, 64);
    context.join_workers.push_back([workers] { workers->join(); });
    router.add("POST", "/v1/audio/speech",
               [ctx, workers](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
                   return speech(*ctx, *workers, request, std::move(record));
               });
    router.add("POST", "/v1/audio/transcriptions",
               [ctx, workers](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
                   return transcriptions(*ctx, *workers, request, std::move(record));
               });
    router.add("GET", "/v1/audio/voices",
               [ctx, workers](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
                   return voices(*ctx, *workers, request, std::move(record));
               });
}

}  // namespace hearth::server::api
