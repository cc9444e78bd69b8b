// What the handlers share: the service, metrics, configuration and the blocking-call workers.
// Handlers are plain functions of (Context, request) registered on the router by the add_*_routes
// functions, one file per API family.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>
#include <optional>
#include <string>

#include "base/time.h"
#include "server/api/api_metrics.h"
#include "server/api/blocking_pool.h"
#include "server/api/errors.h"
#include "server/api/generation.h"
#include "server/api/router.h"
#include "serving/service.h"

namespace hearth::server::api {

struct ApiConfig {
    std::string version = "0.1.0";
    size_t max_stream_buffer_bytes = size_t{8} << 20;   // a stream's client may fall this far behind
    int blocking_threads = 2;                            // workers for embeddings and tokenizer calls
    size_t max_blocking_queue = 256;
    std::string cors_origins;                            // comma-separated; "" none, "*" any (cors.h)
};

// The transport's counters, for /api/system/status and the live feed.
struct TransportStats {
    int64_t connections_open = 0;
    int64_t requests_in_flight = 0;
};

struct Context {
    Context(serving::Service& service, metrics::Registry& registry, ApiConfig config);

    serving::Service& service;
    ApiMetrics metrics;
    ApiConfig config;
    BlockingPool blocking;
    BlockingPool audio;              // audio requests: long syntheses never hold up the calls above
    CancelRegistry cancels;          // requests cancelled through DELETE /api/requests/{id}
    Clock::time_point started = Clock::now();
    std::atomic<bool> draining{false};
    std::function<TransportStats()> transport_stats;
};

void add_openai_routes(Router& router, Context& context);
void add_ollama_routes(Router& router, Context& context);
void add_native_routes(Router& router, Context& context);
void add_manage_routes(Router& router, Context& context);
void add_audio_routes(Router& router, Context& context);

struct SystemStatus;
// A snapshot for /api/system/status and the live feed (cheap: no blocking service call).
SystemStatus system_status(Context& context);

// Resolves "" to the default model, answers 404 for an unknown one, and refuses a max_tokens
// larger than the model's context (400 naming max_tokens).
std::optional<ApiError> resolve_model(Context& context, std::string& model, int32_t max_tokens = -1);
// Gives the request a random seed when the client did not choose one (OpenAI's behaviour).
void randomize_seed(serving::GenerateRequest& request);

HttpResponse json_response(std::string body, int status = 200);

// "available", "loading", "loaded", "failed".
const char* model_state_label(serving::ModelState state);

}  // namespace hearth::server::api
