#include "server/api/scheduling.h"

#include <fmt/core.h>

#include <charconv>
#include <chrono>
#include <cmath>

namespace hearth::server::api {

namespace {

std::optional<ApiError> priority_error(std::string_view value, const std::string& param) {
    return ApiError::invalid(fmt::format("Invalid value for '{}': '{}'; expected one of urgent, high, normal, low",
                                         param, value),
                             param, "invalid_value");
}

void set_deadline(serving::GenerateRequest& request, double seconds) {
    request.deadline = std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(seconds));
}

}  // namespace

void read_scheduling_fields(FieldReader& fields, serving::GenerateRequest& request) {
    if (auto name = fields.string("priority")) {
        if (auto priority = serving::parse_priority(*name)) request.priority = *priority;
        else fields.fail(*priority_error(*name, fields.param("priority")));
    }
    // A timeout of 0 would fail every request: the smallest is a millisecond.
    if (auto seconds = fields.number("timeout", 0.001, kMaxRequestTimeoutSeconds)) set_deadline(request, *seconds);
}

std::optional<ApiError> read_scheduling_headers(const HttpRequest& http, serving::GenerateRequest& request) {
    if (std::string_view name = http.header("x-priority"); !name.empty()) {
        auto priority = serving::parse_priority(name);
        if (!priority) return priority_error(name, "X-Priority");
        request.priority = *priority;
    }
    if (std::string_view text = http.header("x-request-timeout"); !text.empty()) {
        double seconds = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) || seconds < 0.001 ||
            seconds > kMaxRequestTimeoutSeconds)
            return ApiError::invalid(fmt::format("Invalid value for 'X-Request-Timeout': '{}'; expected a number of "
                                                 "seconds between 0.001 and {}", text, kMaxRequestTimeoutSeconds),
                                     "X-Request-Timeout", "invalid_value");
        set_deadline(request, seconds);
    }
    return std::nullopt;
}

}  // namespace hearth::server::api
