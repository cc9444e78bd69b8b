// The edge's Prometheus metrics and the per-request record that feeds them.
//
// Names follow Prometheus conventions: a `hearth_` prefix, base units (seconds), `_total` on
// counters. Routes are the route patterns ("/v1/models/{id}"), never raw paths, so the label set
// stays small; anything unrouted is "other".
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/metrics.h"
#include "base/time.h"

namespace hearth::server::api {

struct ApiMetrics {
    explicit ApiMetrics(metrics::Registry& registry);

    metrics::Registry& registry;
    metrics::Family<metrics::Counter>& requests;          // hearth_http_requests_total{route,code}
    metrics::Family<metrics::Histogram>& duration;        // hearth_http_request_duration_seconds{route}
    metrics::Gauge& in_flight;                            // hearth_http_requests_in_flight
    metrics::Family<metrics::Counter>& prompt_tokens;     // hearth_prompt_tokens_total{model}
    metrics::Family<metrics::Counter>& generated_tokens;  // hearth_generated_tokens_total{model}
    metrics::Family<metrics::Histogram>& time_to_first_token;  // hearth_time_to_first_token_seconds{model}
    metrics::Family<metrics::Histogram>& inter_token_latency;  // hearth_inter_token_latency_seconds{model}
    metrics::Family<metrics::Counter>& cancelled;         // hearth_generations_cancelled_total{reason}
};

// One request from arrival until its response is complete (for streams: the last chunk).
// The pipeline finishes it for immediate responses; the producer of a deferred body (a
// generation sink, a worker) finishes it otherwise. The first finish() counts.
class RequestRecord {
public:
    RequestRecord(ApiMetrics& metrics, std::string route);
    ~RequestRecord();   // an unfinished record counts as a 500 (it should not happen)
    RequestRecord(const RequestRecord&) = delete;
    RequestRecord& operator=(const RequestRecord&) = delete;

    void finish(int status);
    // Tokens the request used (prompt + generated), reported by the generation when it ends.
    void add_tokens(int64_t tokens) { tokens_.fetch_add(tokens); }
    // Runs once, on the thread that finishes the record (or destroys it unfinished, as 500),
    // with the status and the tokens used: the access gate settles quotas and audits here.
    void set_on_finish(std::function<void(int status, int64_t tokens)> on_finish) { on_finish_ = std::move(on_finish); }
    // Set before the handler runs (Authorization::caller, ::cancels_any).
    void set_caller(std::string caller, bool cancels_any) {
        caller_ = std::move(caller);
        cancels_any_ = cancels_any;
    }
    const std::string& caller() const { return caller_; }
    bool cancels_any() const { return cancels_any_; }
    const std::string& route() const { return route_; }
    Clock::time_point start() const { return start_; }
    ApiMetrics& metrics() { return metrics_; }

private:
    ApiMetrics& metrics_;
    std::string route_;
    Clock::time_point start_;
    std::atomic<bool> finished_{false};
    std::atomic<int64_t> tokens_{0};
    std::function<void(int, int64_t)> on_finish_;   // set before the handler runs
    std::string caller_;
    bool cancels_any_ = true;
};

}  // namespace hearth::server::api
