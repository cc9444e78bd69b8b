#include "server/api/json_fields.h"

#include <fmt/core.h>

#include <cmath>

namespace hearth::server::api {

using nlohmann::json;

std::optional<ApiError> parse_json_object(std::string_view body, json& out) {
    if (body.empty()) return ApiError::invalid("the request body is empty; expected a JSON object");
    try {
        out = json::parse(body.begin(), body.end());
    } catch (const json::parse_error& error) {
        // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> after "] ".
        std::string what = error.what();
        const size_t bracket = what.find("] ");
        if (bracket != std::string::npos) what = what.substr(bracket + 2);
        return ApiError::invalid("the request body is not valid JSON: " + what);
    }
    if (!out.is_object())
        return ApiError::invalid(fmt::format("the request body must be a JSON object, not {}", json_type_name(out)));
    return std::nullopt;
}

const char* json_type_name(const json& value) {
    switch (value.type()) {
        case json::value_t::null: return "null";
        case json::value_t::object: return "an object";
        case json::value_t::array: return "an array";
        case json::value_t::string: return "a string";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return "an integer";
        case json::value_t::number_float: return "a number";
        default: return "an unknown value";
    }
}

std::string dump_json(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

FieldReader::FieldReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

const json* FieldReader::find(std::string_view key) const {
    if (!object_.is_object()) return nullptr;
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
}

void FieldReader::fail(ApiError error) {
    if (!error_) error_ = std::move(error);
}

void FieldReader::type_error(std::string_view key, const char* expected, const json& got) {
    fail(ApiError::invalid(fmt::format("Invalid type for '{}': expected {}, but got {} instead.", param(key),
                                       expected, json_type_name(got)),
                           param(key), "invalid_type"));
}

std::optional<std::string> FieldReader::string(std::string_view key) {
    const json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_string()) {
        type_error(key, "a string", *value);
        return std::nullopt;
    }
    return value->get<std::string>();
}

std::optional<bool> FieldReader::boolean(std::string_view key) {
    const json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_boolean()) {
        type_error(key, "a boolean", *value);
        return std::nullopt;
    }
    return value->get<bool>();
}

std::optional<double> FieldReader::number(std::string_view key, double min, double max) {
    const json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_number()) {
        type_error(key, "a number", *value);
        return std::nullopt;
    }
    const double number = value->get<double>();
    if (!(number >= min) || !(number <= max)) {
        fail(ApiError::invalid(fmt::format("Invalid '{}': expected a value between {} and {}, but got {} instead.",
                                           param(key), min, max, value->dump()),
                               param(key), "invalid_value"));
        return std::nullopt;
    }
    return number;
}

std::optional<int64_t> FieldReader::integer(std::string_view key, int64_t min, int64_t max) {
    const json* value = find(key);
    if (!value) return std::nullopt;
    bool integral = value->is_number_integer();
    if (value->is_number_float()) {
        const double number = value->get<double>();
        integral = std::isfinite(number) && number == std::floor(number);
    }
    if (!integral) {
        type_error(key, "an integer", *value);
        return std::nullopt;
    }
    auto out_of_range = [&] {
        fail(ApiError::invalid(fmt::format("Invalid '{}': expected an integer between {} and {}, but got {} instead.",
                                           param(key), min, max, value->dump()),
                               param(key), "invalid_value"));
        return std::nullopt;
    };
    if (value->is_number_unsigned() && value->get<uint64_t>() > static_cast<uint64_t>(max)) return out_of_range();
    if (value->is_number_float()) {
        const double number = value->get<double>();
        if (number < static_cast<double>(min) || number > static_cast<double>(max)) return out_of_range();
        return static_cast<int64_t>(number);
    }
    const int64_t number = value->get<int64_t>();
    if (number < min || number > max) return out_of_range();
    return number;
}

const json* FieldReader::object(std::string_view key) {
    const json* value = find(key);
    if (value && !value->is_object()) {
        type_error(key, "an object", *value);
        return nullptr;
    }
    return value;
}

const json* FieldReader::array(std::string_view key) {
    const json* value = find(key);
    if (value && !value->is_array()) {
        type_error(key, "an array", *value);
        return nullptr;
    }
    return value;
}

void FieldReader::require(std::string_view key) {
    if (!find(key))
        fail(ApiError::invalid(fmt::format("you must provide a '{}' parameter", param(key)), param(key),
                               "missing_required_parameter"));
}

void FieldReader::reject_unknown(std::initializer_list<std::string_view> known) {
    if (!object_.is_object()) return;
    for (const auto& [key, value] : object_.items()) {
        bool listed = false;
        for (std::string_view name : known) listed = listed || name == key;
        if (!listed) {
            fail(ApiError::invalid(fmt::format("Unrecognized request argument supplied: {}", param(key)), param(key),
                                   "unknown_parameter"));
            return;
        }
    }
}

}  // namespace hearth::server::api
