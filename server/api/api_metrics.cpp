#include "server/api/api_metrics.h"

namespace hearth::server::api {

namespace {

// 1 ms .. ~65 s for request durations and first tokens; 0.5 ms .. ~4 s between tokens.
std::vector<double> latency_buckets() { return metrics::exponential_buckets(0.001, 2, 17); }
std::vector<double> token_buckets() { return metrics::exponential_buckets(0.0005, 2, 14); }

}  // namespace

ApiMetrics::ApiMetrics(metrics::Registry& registry)
    : registry(registry),
      requests(registry.counter("hearth_http_requests_total", "HTTP requests answered, by route and status code.",
                                {"route", "code"})),
      duration(registry.histogram("hearth_http_request_duration_seconds",
                                  "Time from a request's arrival to the end of its response.", latency_buckets(),
                                  {"route"})),
      in_flight(registry.gauge("hearth_http_requests_in_flight", "HTTP requests being answered.").with({})),
      prompt_tokens(registry.counter("hearth_prompt_tokens_total", "Prompt tokens processed.", {"model"})),
      generated_tokens(registry.counter("hearth_generated_tokens_total", "Tokens generated.", {"model"})),
      time_to_first_token(registry.histogram("hearth_time_to_first_token_seconds",
                                             "Time from submission to the first generated token.", latency_buckets(),
                                             {"model"})),
      inter_token_latency(registry.histogram("hearth_inter_token_latency_seconds",
                                             "Time between consecutive tokens of one stream.", token_buckets(),
                                             {"model"})),
      cancelled(registry.counter("hearth_generations_cancelled_total", "Generations cancelled before they finished.",
                                 {"reason"})) {}

RequestRecord::RequestRecord(ApiMetrics& metrics, std::string route)
    : metrics_(metrics), route_(std::move(route)), start_(Clock::now()) {
    metrics_.in_flight.inc();
}

RequestRecord::~RequestRecord() { finish(500); }

void RequestRecord::finish(int status) {
    if (finished_.exchange(true)) return;
    metrics_.in_flight.dec();
    metrics_.requests.with({route_, std::to_string(status)}).inc();
    metrics_.duration.with({route_}).observe(seconds_since(start_));
    if (on_finish_) {
        auto on_finish = std::move(on_finish_);
        on_finish_ = nullptr;
        on_finish(status, tokens_.load());
    }
}

}  // namespace hearth::server::api
