// Prometheus metrics: counters, gauges and histograms grouped in labelled families, rendered in
// the text exposition format (version 0.0.4).
//
//   auto& requests = registry.counter("hearth_http_requests_total", "HTTP requests", {"route", "code"});
//   requests.with({"/v1/chat/completions", "200"}).inc();
//
// Recording is lock-free (atomics inside a child); finding a child by its label values takes the
// family's mutex, so hot paths look a child up once and keep the reference (children live as long
// as the registry). Threads: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hearth::metrics {

class Counter {
public:
    void inc(double amount = 1.0) { value_.fetch_add(amount, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0.0};
};

class Gauge {
public:
    void set(double value) { value_.store(value, std::memory_order_relaxed); }
    void inc(double amount = 1.0) { value_.fetch_add(amount, std::memory_order_relaxed); }
    void dec(double amount = 1.0) { value_.fetch_sub(amount, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0.0};
};

// Observations counted into fixed buckets (upper bounds, ascending; +Inf is implicit).
class Histogram {
public:
    explicit Histogram(std::vector<double> bounds);
    void observe(double value);

    const std::vector<double>& bounds() const { return bounds_; }
    // Cumulative count of observations <= bounds()[idx]; idx == bounds().size() is +Inf.
    uint64_t cumulative_count(size_t idx) const;
    uint64_t count() const { return count_.load(std::memory_order_relaxed); }
    double sum() const { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // (bounds + 1): per bucket, not cumulative
    std::atomic<uint64_t> count_{0};
    std::atomic<double> sum_{0.0};
};

// Bucket helpers: start, start*factor, ... (count bounds).
std::vector<double> exponential_buckets(double start, double factor, int count);

enum class Kind { kCounter, kGauge, kHistogram };

// One metric name with its help text and label names; children by label values.
template <typename T>
class Family {
public:
    Family(std::string name, std::string help, std::vector<std::string> label_names,
           std::vector<double> bounds = {})
        : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)),
          bounds_(std::move(bounds)) {}

    // The child for these label values (as many as label names), created on first use.
    T& with(const std::vector<std::string>& label_values);

    const std::string& name() const { return name_; }
    const std::string& help() const { return help_; }
    const std::vector<std::string>& label_names() const { return label_names_; }
    // Calls fn(label_values, child) for every child in label order (under the family's mutex).
    void for_each(const std::function<void(const std::vector<std::string>&, const T&)>& fn) const;

private:
    std::string name_;
    std::string help_;
    std::vector<std::string> label_names_;
    std::vector<double> bounds_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

class Registry {
public:
    // Families are created once by name; asking again for the same name returns the same family
    // (the help, labels and buckets of the first call win).
    Family<Counter>& counter(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names = {});
    Family<Gauge>& gauge(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names = {});
    Family<Histogram>& histogram(const std::string& name, const std::string& help,
                                 std::vector<double> bounds, std::vector<std::string> label_names = {});
    // A gauge whose value is read at render time (queue lengths, memory in use).
    void gauge_callback(const std::string& name, const std::string& help, std::function<double()> read);

    // Text exposition format: # HELP, # TYPE, then one line per child (histograms: _bucket{le},
    // _sum, _count), families in registration order.
    std::string render() const;

private:
    struct Entry {
        Kind kind;
        std::unique_ptr<Family<Counter>> counter;
        std::unique_ptr<Family<Gauge>> gauge;
        std::unique_ptr<Family<Histogram>> histogram;
        std::string name, help;
        std::function<double()> read;
    };
    Entry* find(const std::string& name);

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Entry>> entries_;
};

// Escapes a label value for the text format (backslash, double quote, newline).
std::string escape_label_value(const std::string& value);
// A sample value as Prometheus prints it: integers without a fraction, +Inf/-Inf/NaN by name.
std::string format_value(double value);

}  // namespace hearth::metrics
