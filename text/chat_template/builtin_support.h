// Helpers shared by the chat-template builtins (filters.cpp, builtins.cpp): Python-style
// argument binding and the string operations of Python's str that filters and methods share.
// Errors throw TemplateError (kRender), as everywhere in the evaluator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/chat_template/builtins.h"
#include "text/chat_template/value.h"

namespace hearth::text::jinja {

// Positional and keyword arguments matched to a function's parameter names, Python style.
class Bound {
public:
    Bound(const CallArgs& args, std::initializer_list<std::string_view> names,
          std::string_view function, size_t offset);
    bool has(size_t idx) const { return values_[idx].has_value(); }
    Value get(size_t idx, Value fallback) const { return values_[idx] ? *values_[idx] : fallback; }
    const Value& require(size_t idx, std::string_view function, std::string_view name,
                         size_t offset) const;

private:
    std::vector<std::optional<Value>> values_;
};

void no_arguments(const CallArgs& args, std::string_view function, size_t offset);
[[noreturn]] void type_error(size_t offset, std::string message);
// Jinja2's Undefined raises when used as a number, indexed or called.
[[noreturn]] void fail_undefined(const Value& value, std::string_view action, size_t offset);
const std::string& require_string(const Value& value, std::string_view what, size_t offset);
int64_t require_int(const Value& value, std::string_view what, size_t offset);

// ASCII case mapping (Python maps all of Unicode; templates use these on ASCII markers).
std::string upper(std::string_view text);
std::string lower(std::string_view text);
std::string capitalize(std::string_view text);
std::string python_title(std::string_view text);  // str.title()
std::string jinja_title(std::string_view text);   // the title filter

// str.strip / lstrip / rstrip of str(text_value); chars none: Unicode whitespace.
Value strip_value(Runtime& runtime, const Value& text_value, const Value& chars, bool left,
                  bool right, size_t offset);
// str.replace(old, new, count); count < 0: all.
Value replace(Runtime& runtime, const std::string& text, const std::string& old_text,
              const std::string& new_text, int64_t count, size_t offset);
// str.split(sep, maxsplit); sep none: runs of whitespace.
Value split(Runtime& runtime, const std::string& text, const Value& sep, int64_t max_split,
            size_t offset);
// str.startswith / endswith with a string or a list of strings.
bool starts_or_ends_with(const std::string& text, const Value& affix, bool at_start, size_t offset);
// Python int(str, base) and float(str).
std::optional<int64_t> parse_python_int(std::string_view text, int base);
std::optional<double> parse_python_float(std::string_view text);

}  // namespace hearth::text::jinja
