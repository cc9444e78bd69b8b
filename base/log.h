// Logging: a thin layer over spdlog so the rest of the code names one place.
// Thread-safe; messages go to stderr. Call log::setup() once at start-up.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace hearth::log {

// level: "trace", "debug", "info", "warn", "error", "off". Unknown names fall back to "info".
void setup(std::string_view level);
void set_level(std::string_view level);

template <typename... Args>
void debug(spdlog::format_string_t<Args...> format, Args&&... args) {
    spdlog::debug(format, std::forward<Args>(args)...);
}
template <typename... Args>
void info(spdlog::format_string_t<Args...> format, Args&&... args) {
    spdlog::info(format, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(spdlog::format_string_t<Args...> format, Args&&... args) {
    spdlog::warn(format, std::forward<Args>(args)...);
}
template <typename... Args>
void error(spdlog::format_string_t<Args...> format, Args&&... args) {
    spdlog::error(format, std::forward<Args>(args)...);
}

}  // namespace hearth::log
