// The edge's Prometheus metrics and the per-request record that feeds them.
//
// Names follow Prometheus conventions: a `hearth_` prefix, base units (seconds), `_total` on
// counters. Routes are the route patterns ("/v1/models/{id}"), never raw paths, so the label set
// stays small; anything unrouted is "other".
#pragma once

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
    const std::string& route() const { return route_; }
    Clock::time_point start() const { return start_; }
    ApiMetrics& metrics() { return metrics_; }

private:
    ApiMetrics& metrics_;
    std::string route_;
    Clock::time_point start_;
    std::atomic<bool> finished_{false};
};

}  // namespace hearth::server::api
