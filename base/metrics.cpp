#include "base/metrics.h"

#include <fmt/core.h>

#include <algorithm>
#include <cassert>
#include <cmath>

namespace hearth::metrics {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
    assert(std::is_sorted(bounds_.begin(), bounds_.end()));
    for (size_t idx = 0; idx <= bounds_.size(); ++idx) buckets_[idx].store(0);
}

void Histogram::observe(double value) {
    // The first bound >= value is the bucket (Prometheus buckets are "less than or equal").
    const size_t idx = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
    buckets_[idx].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

uint64_t Histogram::cumulative_count(size_t idx) const {
    uint64_t total = 0;
    for (size_t bucket_idx = 0; bucket_idx <= idx && bucket_idx <= bounds_.size(); ++bucket_idx)
        total += buckets_[bucket_idx].load(std::memory_order_relaxed);
    return total;
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
    std::vector<double> bounds;
    double bound = start;
    for (int idx = 0; idx < count; ++idx, bound *= factor) bounds.push_back(bound);
    return bounds;
}

template <typename T>
T& Family<T>::with(const std::vector<std::string>& label_values) {
    assert(label_values.size() == label_names_.size());
    std::lock_guard lock(mutex_);
    auto& slot = children_[label_values];
    if (!slot) {
        if constexpr (std::is_same_v<T, Histogram>) slot = std::make_unique<Histogram>(bounds_);
        else slot = std::make_unique<T>();
    }
    return *slot;
}

template <typename T>
void Family<T>::for_each(const std::function<void(const std::vector<std::string>&, const T&)>& fn) const {
    std::lock_guard lock(mutex_);
    for (const auto& [labels, child] : children_) fn(labels, *child);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Entry* Registry::find(const std::string& name) {
    for (auto& entry : entries_)
        if (entry->name == name) return entry.get();
    return nullptr;
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> label_names) {
    std::lock_guard lock(mutex_);
    if (Entry* entry = find(name)) {
        assert(entry->kind == Kind::kCounter);
        return *entry->counter;
    }
    auto entry = std::make_unique<Entry>(Entry{Kind::kCounter, {}, {}, {}, name, help, {}});
    entry->counter = std::make_unique<Family<Counter>>(name, help, std::move(label_names));
    entries_.push_back(std::move(entry));
    return *entries_.back()->counter;
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names) {
    std::lock_guard lock(mutex_);
    if (Entry* entry = find(name)) {
        assert(entry->kind == Kind::kGauge && entry->gauge);
        return *entry->gauge;
    }
    auto entry = std::make_unique<Entry>(Entry{Kind::kGauge, {}, {}, {}, name, help, {}});
    entry->gauge = std::make_unique<Family<Gauge>>(name, help, std::move(label_names));
    entries_.push_back(std::move(entry));
    return *entries_.back()->gauge;
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<double> bounds, std::vector<std::string> label_names) {
    std::lock_guard lock(mutex_);
    if (Entry* entry = find(name)) {
        assert(entry->kind == Kind::kHistogram);
        return *entry->histogram;
    }
    auto entry = std::make_unique<Entry>(Entry{Kind::kHistogram, {}, {}, {}, name, help, {}});
    entry->histogram =
        std::make_unique<Family<Histogram>>(name, help, std::move(label_names), std::move(bounds));
    entries_.push_back(std::move(entry));
    return *entries_.back()->histogram;
}

void Registry::gauge_callback(const std::string& name, const std::string& help, std::function<double()> read) {
    std::lock_guard lock(mutex_);
    if (Entry* entry = find(name)) {
        entry->read = std::move(read);
        return;
    }
    entries_.push_back(std::make_unique<Entry>(Entry{Kind::kGauge, {}, {}, {}, name, help, std::move(read)}));
}

std::string escape_label_value(const std::string& value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{}", static_cast<int64_t>(value));
    return fmt::format("{}", value);
}

namespace {

// {a="x",b="y"} with an optional extra label appended (le for buckets); "" when there are none.
std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string& extra_name = "", const std::string& extra_value = "") {
    if (names.empty() && extra_name.empty()) return "";
    std::string out = "{";
    for (size_t idx = 0; idx < names.size(); ++idx) {
        if (idx) out += ',';
        out += names[idx] + "=\"" + escape_label_value(values[idx]) + "\"";
    }
    if (!extra_name.empty()) {
        if (!names.empty()) out += ',';
        out += extra_name + "=\"" + extra_value + "\"";
    }
    return out + "}";
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string Registry::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& entry : entries_) {
        if (entry->read) {
            header(out, entry->name, entry->help, "gauge");
            out += entry->name + " " + format_value(entry->read()) + "\n";
        } else if (entry->kind == Kind::kCounter) {
            const auto& family = *entry->counter;
            header(out, family.name(), family.help(), "counter");
            family.for_each([&](const std::vector<std::string>& labels, const Counter& child) {
                out += family.name() + label_set(family.label_names(), labels) + " " +
                       format_value(child.value()) + "\n";
            });
        } else if (entry->kind == Kind::kGauge) {
            const auto& family = *entry->gauge;
            header(out, family.name(), family.help(), "gauge");
            family.for_each([&](const std::vector<std::string>& labels, const Gauge& child) {
                out += family.name() + label_set(family.label_names(), labels) + " " +
                       format_value(child.value()) + "\n";
            });
        } else {
            const auto& family = *entry->histogram;
            header(out, family.name(), family.help(), "histogram");
            family.for_each([&](const std::vector<std::string>& labels, const Histogram& child) {
                const auto& names = family.label_names();
                for (size_t idx = 0; idx <= child.bounds().size(); ++idx) {
                    const std::string le = idx < child.bounds().size() ? format_value(child.bounds()[idx]) : "+Inf";
                    out += family.name() + "_bucket" + label_set(names, labels, "le", le) + " " +
                           format_value(static_cast<double>(child.cumulative_count(idx))) + "\n";
                }
                out += family.name() + "_sum" + label_set(names, labels) + " " + format_value(child.sum()) + "\n";
                out += family.name() + "_count" + label_set(names, labels) + " " +
                       format_value(static_cast<double>(child.count())) + "\n";
            });
        }
    }
    return out;
}

}  // namespace hearth::metrics
