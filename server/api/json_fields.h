// Typed reading of a JSON object's fields, naming the offending field in every error as OpenAI
// words them ("Invalid type for 'temperature': expected a number, but got a string instead.").
// A null field reads as absent. The first error is kept; check error() after reading.
//
//   FieldReader fields(body);
//   auto temperature = fields.number("temperature", 0, 2);
//   fields.reject_unknown({"model", "temperature"});
//   if (fields.error()) return *fields.error();
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "server/api/errors.h"

namespace hearth::server::api {

// Parses a request body that must be one JSON object; a clear 400 otherwise.
std::optional<ApiError> parse_json_object(std::string_view body, nlohmann::json& out);
// "a string", "an integer", "an array" ... for messages.
const char* json_type_name(const nlohmann::json& value);
// Compact JSON text; invalid UTF-8 in strings becomes U+FFFD instead of throwing.
std::string dump_json(const nlohmann::json& value);

class FieldReader {
public:
    // `path` prefixes field names in messages ("messages[0]." gives 'messages[0].role').
    explicit FieldReader(const nlohmann::json& object, std::string path = "");

    // nullptr when absent or null.
    const nlohmann::json* find(std::string_view key) const;
    bool has(std::string_view key) const { return find(key) != nullptr; }

    std::optional<std::string> string(std::string_view key);
    std::optional<bool> boolean(std::string_view key);
    std::optional<double> number(std::string_view key, double min, double max);
    std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max);
    const nlohmann::json* object(std::string_view key);
    const nlohmann::json* array(std::string_view key);

    // Records "you must provide a '<key>' parameter" when the key is absent or null.
    void require(std::string_view key);
    // Records "Unrecognized request argument supplied: <key>" for the first key not listed.
    void reject_unknown(std::initializer_list<std::string_view> known);

    void fail(ApiError error);
    std::string param(std::string_view key) const { return path_ + std::string(key); }
    const std::optional<ApiError>& error() const { return error_; }

private:
    void type_error(std::string_view key, const char* expected, const nlohmann::json& got);

    const nlohmann::json& object_;
    std::string path_;
    std::optional<ApiError> error_;
};

}  // namespace hearth::server::api
