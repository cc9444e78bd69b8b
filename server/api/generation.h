// Runs one generation for an HTTP request: submits it to the service and turns its events into
// a streamed body (SSE, NDJSON) or one complete response, in the shape a GenerationFormat writes.
//
// Every response carries the service's request id in an X-Request-Id header (a stream's with its
// headers, before the first token), which DELETE /api/requests/{id} takes.
// Streams: status 200 is sent at once; tokens go out as they come; a failure after that is an
// error event in the stream. The client going away cancels the generation (Service::cancel), and
// the sink logs and counts it. Non-streamed: a PendingResponse completes when every choice has
// finished, with the right status on failure.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "server/api/api_metrics.h"
#include "server/http_message.h"
#include "serving/service.h"

namespace hearth::server::api {

struct ChoiceOutput {
    std::string text;
    serving::FinishReason reason = serving::FinishReason::kStop;
    std::vector<serving::TokenEvent> tokens;   // kept when logprobs were asked for
};

// The wire shape of one API's generation responses (OpenAI chat, OpenAI completions, Ollama chat,
// Ollama generate). Called under the sink's lock, one event at a time.
class GenerationFormat {
public:
    virtual ~GenerationFormat() = default;
    virtual const char* stream_content_type() const = 0;
    virtual std::string stream_start() { return {}; }
    // "" when the event has nothing to show (a token held back while a stop string is pending).
    virtual std::string stream_token(const serving::TokenEvent& event) = 0;
    virtual std::string stream_finish(const serving::FinishEvent& event) = 0;
    virtual std::string stream_end(const serving::Usage& total, const serving::Timings& timings) = 0;
    virtual std::string stream_error(const Error& error) = 0;
    virtual HttpResponse complete(const std::vector<ChoiceOutput>& choices, const serving::Usage& total,
                                  const serving::Timings& timings) = 0;
    virtual HttpResponse failure(const Error& error) = 0;
};

// The requests cancelled through DELETE /api/requests/{id}, so that their responses say so
// (rather than "the server is shutting down"). Threads: any.
class CancelRegistry {
public:
    void add(serving::RequestId id);
    // True (once) when `id` was cancelled through the API.
    bool take(serving::RequestId id);
    // Who started each running generation (RequestRecord::caller), so that a caller may cancel
    // only their own: own() when it is submitted, forget() when it ends.
    void own(serving::RequestId id, const std::string& caller);
    void forget(serving::RequestId id);
    bool owned_by(serving::RequestId id, const std::string& caller);

private:
    std::mutex mutex_;
    std::unordered_set<serving::RequestId> ids_;
    std::unordered_map<serving::RequestId, std::string> owners_;
};

struct GenerationOptions {
    bool stream = false;
    bool keep_tokens = false;               // keep token events (logprobs) for complete()
    size_t max_stream_buffer_bytes = size_t{8} << 20;
    CancelRegistry* cancels = nullptr;      // where API cancellations are recorded (may be null)
};

// Submits `request`; the reply is an error response when the service refuses it at once.
Reply start_generation(serving::Service& service, serving::GenerateRequest request,
                       std::unique_ptr<GenerationFormat> format, const GenerationOptions& options,
                       std::shared_ptr<RequestRecord> record);

// The usage of a whole request from its choices' finish events (the prompt counted once).
serving::Usage total_usage(const std::vector<serving::Usage>& per_choice);

}  // namespace hearth::server::api
