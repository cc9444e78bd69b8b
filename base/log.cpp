#include "base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace hearth::log {

void set_level(std::string_view level) {
    auto parsed = spdlog::level::from_str(std::string(level));
    if (parsed == spdlog::level::off && level != "off") parsed = spdlog::level::info;
    spdlog::set_level(parsed);
}

void setup(std::string_view level) {
    auto logger = spdlog::stderr_color_mt("hearth");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    set_level(level);
}

}  // namespace hearth::log
