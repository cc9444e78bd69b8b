// Audio endpoints: POST /v1/audio/speech (audio streams back chunked as it is synthesized),
// POST /v1/audio/transcriptions (multipart/form-data), GET /v1/audio/voices.
// Speech calls block (synthesis, decoding, a model load), so they run on the audio workers, never
// on an I/O thread (Context::audio); a full worker queue answers 503.

#include "base/log.h"
#include "server/api/audio_request.h"
#include "server/api/audio_response.h"
#include "server/api/context.h"
#include "server/body_stream.h"
#include "server/pending_response.h"

namespace hearth::server::api {

namespace {

const char* content_type_for(const std::string& format) {
    if (format == "wav") return "audio/wav";
    if (format == "flac") return "audio/flac";
    if (format == "mp3") return "audio/mpeg";
    if (format == "opus") return "audio/ogg";
    return "audio/pcm";
}

Reply speech(Context& context, const HttpRequest& request, std::shared_ptr<RequestRecord> record) {
    serving::SpeechRequest parsed;
    if (auto error = parse_speech(request.body, parsed)) return error_response(*error);
    auto pending = std::make_shared<PendingResponse>();
    const size_t max_buffer = context.config.max_stream_buffer_bytes;
    const bool posted = context.audio.post([&context, parsed = std::move(parsed), pending, record, max_buffer] {
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
    if (!posted) return context.audio.overloaded(ErrorStyle::kOpenAi);
    return pending;
}

Reply transcriptions(Context& context, const HttpRequest& request, std::shared_ptr<RequestRecord> record) {
    TranscriptionRequest parsed;
    if (auto error = parse_transcription(request, parsed)) return error_response(*error);
    return context.audio.run(
        [&context, parsed = std::move(parsed)] {
            auto transcript = context.service.transcribe(parsed.transcribe);
            return transcript.ok() ? render_transcript(*transcript, parsed.response_format)
                                   : error_response(from_error(transcript.error()));
        },
        std::move(record), ErrorStyle::kOpenAi);
}

Reply voices(Context& context, const HttpRequest& request, std::shared_ptr<RequestRecord> record) {
    const std::string model = request.query_param("model").value_or("");
    return context.audio.run(
        [&context, model] {
            auto voices = context.service.voices(model);
            return voices.ok() ? json_response(render_voices(model.empty() ? "espeak" : model, *voices))
                               : error_response(from_error(voices.error()));
        },
        std::move(record), ErrorStyle::kOpenAi);
}

}  // namespace

void add_audio_routes(Router& router, Context& context) {
    Context* ctx = &context;
    router.add("POST", "/v1/audio/speech",
               [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
                   return speech(*ctx, request, std::move(record));
               });
    router.add("POST", "/v1/audio/transcriptions",
               [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
                   return transcriptions(*ctx, request, std::move(record));
               });
    router.add("GET", "/v1/audio/voices",
               [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
                   return voices(*ctx, request, std::move(record));
               });
}

}  // namespace hearth::server::api
