// The Prometheus registry: exposition text, label escaping, histogram buckets, concurrent updates.
#include <gtest/gtest.h>

#include <thread>

#include "base/metrics.h"

namespace hearth::metrics {
namespace {

TEST(Metrics, CounterAndGaugeRenderWithLabels) {
    Registry registry;
    auto& requests = registry.counter("hearth_http_requests_total", "HTTP requests.", {"route", "code"});
    requests.with({"/v1/models", "200"}).inc();
    requests.with({"/v1/models", "200"}).inc(2);
    requests.with({"/health", "200"}).inc();
    registry.gauge("hearth_http_requests_in_flight", "Requests being served.").with({}).set(3);
    EXPECT_EQ(registry.render(),
              "# HELP hearth_http_requests_total HTTP requests.\n"
              "# TYPE hearth_http_requests_total counter\n"
              "hearth_http_requests_total{route=\"/health\",code=\"200\"} 1\n"
              "hearth_http_requests_total{route=\"/v1/models\",code=\"200\"} 3\n"
              "# HELP hearth_http_requests_in_flight Requests being served.\n"
              "# TYPE hearth_http_requests_in_flight gauge\n"
              "hearth_http_requests_in_flight 3\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeAndInclusive) {
    Registry registry;
    auto& latency = registry.histogram("hearth_ttft_seconds", "Time to first token.", {0.1, 1.0});
    for (double value : {0.05, 0.1, 0.5, 2.0}) latency.with({}).observe(value);
    EXPECT_EQ(registry.render(),
              "# HELP hearth_ttft_seconds Time to first token.\n"
              "# TYPE hearth_ttft_seconds histogram\n"
              "hearth_ttft_seconds_bucket{le=\"0.1\"} 2\n"
              "hearth_ttft_seconds_bucket{le=\"1\"} 3\n"
              "hearth_ttft_seconds_bucket{le=\"+Inf\"} 4\n"
              "hearth_ttft_seconds_sum 2.65\n"
              "hearth_ttft_seconds_count 4\n");
}

TEST(Metrics, LabelValuesAreEscapedAndFamiliesAreShared) {
    Registry registry;
    auto& first = registry.counter("c_total", "C.", {"path"});
    auto& again = registry.counter("c_total", "ignored", {"path"});
    EXPECT_EQ(&first, &again);
    first.with({"a\"b\\c\nd"}).inc();
    EXPECT_NE(registry.render().find("c_total{path=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos)
        << registry.render();
}

TEST(Metrics, CallbackGaugeIsReadAtRenderTime) {
    Registry registry;
    int queued = 4;
    registry.gauge_callback("hearth_queue_length", "Queued requests.", [&] { return double(queued); });
    queued = 7;
    EXPECT_NE(registry.render().find("hearth_queue_length 7\n"), std::string::npos);
}

TEST(Metrics, ValuesFormatAsPrometheusPrintsThem) {
    EXPECT_EQ(format_value(12), "12");
    EXPECT_EQ(format_value(0.25), "0.25");
    EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
    EXPECT_EQ(exponential_buckets(0.01, 2, 3), (std::vector<double>{0.01, 0.02, 0.04}));
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
    Registry registry;
    auto& counter = registry.counter("n_total", "N.", {"thread"});
    auto& histogram = registry.histogram("h_seconds", "H.", {0.5});
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < 4; ++thread_idx)
        threads.emplace_back([&, thread_idx] {
            for (int step = 0; step < 10000; ++step) {
                counter.with({std::to_string(thread_idx % 2)}).inc();
                histogram.with({}).observe(step % 2 ? 1.0 : 0.25);
            }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(counter.with({"0"}).value() + counter.with({"1"}).value(), 40000);
    EXPECT_EQ(histogram.with({}).count(), 40000u);
    EXPECT_EQ(histogram.with({}).cumulative_count(0), 20000u);
    EXPECT_DOUBLE_EQ(histogram.with({}).sum(), 20000 * 1.0 + 20000 * 0.25);
}

}  // namespace
}  // namespace hearth::metrics
