#include "text/chat_template/builtins.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <initializer_list>
#include <optional>

#include "text/chat_template/syntax_error.h"

namespace hearth::text::jinja {
namespace {

constexpr TemplateError::Kind kRender = TemplateError::Kind::kRender;

// ---- argument binding ---------------------------------------------------------------------

// Positional and keyword arguments matched to a function's parameter names, Python style.
class Bound {
public:
    Bound(const CallArgs& args, std::initializer_list<std::string_view> names,
          std::string_view function, size_t offset)
        : values_(names.size()) {
        if (args.positional.size() > names.size()) {
            fail(kRender, offset,
                 fmt::format("{}() takes at most {} arguments ({} given)", function, names.size(),
                             args.positional.size()));
        }
        for (size_t idx = 0; idx < args.positional.size(); ++idx) values_[idx] = args.positional[idx];
        for (const auto& [key, value] : args.keyword) {
            const auto* found = std::find(names.begin(), names.end(), key);
            if (found == names.end()) {
                fail(kRender, offset,
                     fmt::format("{}() got an unexpected keyword argument '{}'", function, key));
            }
            const size_t idx = static_cast<size_t>(found - names.begin());
            if (values_[idx]) {
                fail(kRender, offset,
                     fmt::format("{}() got multiple values for argument '{}'", function, key));
            }
            values_[idx] = value;
        }
    }
    bool has(size_t idx) const { return values_[idx].has_value(); }
    Value get(size_t idx, Value fallback) const { return values_[idx] ? *values_[idx] : fallback; }
    const Value& require(size_t idx, std::string_view function, std::string_view name,
                         size_t offset) const {
        if (!values_[idx]) {
            fail(kRender, offset,
                 fmt::format("{}() missing required argument '{}'", function, name));
        }
        return *values_[idx];
    }

private:
    std::vector<std::optional<Value>> values_;
};

void no_arguments(const CallArgs& args, std::string_view function, size_t offset) {
    if (!args.positional.empty() || !args.keyword.empty()) {
        fail(kRender, offset, fmt::format("{}() takes no arguments", function));
    }
}

[[noreturn]] void type_error(size_t offset, std::string message) {
    fail(kRender, offset, std::move(message));
}

// Jinja2's Undefined raises when used as a number, indexed or called.
[[noreturn]] void fail_undefined(const Value& value, std::string_view action, size_t offset) {
    if (!value.undefined_name().empty()) {
        fail(kRender, offset, fmt::format("'{}' is undefined", value.undefined_name()));
    }
    fail(kRender, offset, fmt::format("an undefined value cannot be {}", action));
}

const std::string& require_string(const Value& value, std::string_view what, size_t offset) {
    if (!value.is_string()) {
        type_error(offset, fmt::format("{} must be a string, not '{}'", what, value.type_name()));
    }
    return value.as_string();
}

int64_t require_int(const Value& value, std::string_view what, size_t offset) {
    if (!value.is_int() && !value.is_bool()) {
        type_error(offset, fmt::format("{} must be an integer, not '{}'", what, value.type_name()));
    }
    return value.as_int();
}

// ---- strings ------------------------------------------------------------------------------

char ascii_upper(char ch) { return ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 32) : ch; }
char ascii_lower(char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch; }
bool ascii_alpha(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& ch : out) ch = ascii_upper(ch);
    return out;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& ch : out) ch = ascii_lower(ch);
    return out;
}

std::string capitalize(std::string_view text) {
    std::string out = lower(text);
    if (!out.empty()) out[0] = ascii_upper(out[0]);
    return out;
}

// Python's str.title(): a letter after a non-letter is upper case, other letters lower case.
std::string python_title(std::string_view text) {
    std::string out(text);
    bool previous_cased = false;
    for (char& ch : out) {
        if (ascii_alpha(ch)) {
            ch = previous_cased ? ascii_lower(ch) : ascii_upper(ch);
            previous_cased = true;
        } else {
            previous_cased = false;
        }
    }
    return out;
}

// Jinja2's title filter: words begin after runs of [-\s({[<].
std::string jinja_title(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool word_start = true;
    for (size_t offset = 0; offset < text.size();) {
        size_t length = 0;
        const bool space = is_python_space(text, offset, &length);
        const char ch = text[offset];
        const bool separator = space || ch == '-' || ch == '(' || ch == '{' || ch == '[' || ch == '<';
        for (size_t idx = 0; idx < length; ++idx) {
            const char byte = text[offset + idx];
            out += word_start && !separator ? ascii_upper(byte) : ascii_lower(byte);
        }
        word_start = separator;
        offset += length;
    }
    return out;
}

// str.strip(chars) with explicit characters: a set of code points.
std::string_view strip_chars(std::string_view text, std::string_view chars, bool left, bool right) {
    const std::vector<size_t> char_offsets = code_point_offsets(chars);
    auto in_set = [&](std::string_view unit) {
        for (size_t idx = 0; idx < char_offsets.size(); ++idx) {
            const size_t end = idx + 1 < char_offsets.size() ? char_offsets[idx + 1] : chars.size();
            if (chars.substr(char_offsets[idx], end - char_offsets[idx]) == unit) return true;
        }
        return false;
    };
    const std::vector<size_t> offsets = code_point_offsets(text);
    size_t first = 0;
    size_t last = offsets.size();
    auto unit_at = [&](size_t idx) {
        const size_t end = idx + 1 < offsets.size() ? offsets[idx + 1] : text.size();
        return text.substr(offsets[idx], end - offsets[idx]);
    };
    if (left)
        while (first < last && in_set(unit_at(first))) ++first;
    if (right)
        while (last > first && in_set(unit_at(last - 1))) --last;
    if (first == last) return {};
    const size_t begin = offsets[first];
    const size_t end = last < offsets.size() ? offsets[last] : text.size();
    return text.substr(begin, end - begin);
}

Value strip_value(Runtime& runtime, const Value& text_value, const Value& chars, bool left,
                  bool right, size_t offset) {
    const std::string text = to_output(runtime, text_value, offset);
    if (chars.is_none() || chars.is_undefined()) {
        return Value::string(std::string(python_strip(text, left, right)));
    }
    const std::string& set = require_string(chars, "strip characters", offset);
    runtime.charge(text.size() / 16 * (set.size() + 1), offset);
    return Value::string(std::string(strip_chars(text, set, left, right)));
}

// Python str.replace(old, new, count).
Value replace(Runtime& runtime, const std::string& text, const std::string& old_text,
              const std::string& new_text, int64_t count, size_t offset) {
    std::string out;
    int64_t done = 0;
    auto budget_check = [&]() {
        runtime.check_string_size(out.size(), offset);
    };
    if (old_text.empty()) {
        const std::vector<size_t> offsets = code_point_offsets(text);
        for (size_t idx = 0; idx <= offsets.size(); ++idx) {
            if (count < 0 || done < count) {
                out += new_text;
                ++done;
            }
            if (idx < offsets.size()) {
                const size_t end = idx + 1 < offsets.size() ? offsets[idx + 1] : text.size();
                out.append(text, offsets[idx], end - offsets[idx]);
            }
            if ((idx & 255) == 0) budget_check();
        }
    } else {
        size_t pos = 0;
        while (count < 0 || done < count) {
            const size_t found = text.find(old_text, pos);
            if (found == std::string::npos) break;
            out.append(text, pos, found - pos);
            out += new_text;
            pos = found + old_text.size();
            ++done;
            if ((done & 255) == 0) budget_check();
        }
        out.append(text, pos);
    }
    budget_check();
    runtime.charge(out.size() / 64 + 1, offset);
    return Value::string(std::move(out));
}

// Python str.split(sep, maxsplit).
Value split(Runtime& runtime, const std::string& text, const Value& sep, int64_t max_split,
            size_t offset) {
    std::vector<Value> parts;
    if (sep.is_none() || sep.is_undefined()) {
        size_t pos = 0;
        size_t length = 0;
        while (true) {
            while (pos < text.size() && is_python_space(text, pos, &length)) pos += length;
            if (pos >= text.size()) break;
            if (max_split >= 0 && static_cast<int64_t>(parts.size()) >= max_split) {
                parts.push_back(Value::string(std::string(python_strip(text.substr(pos), false, true))));
                break;
            }
            const size_t start = pos;
            while (pos < text.size() && !is_python_space(text, pos, &length)) pos += length;
            parts.push_back(Value::string(text.substr(start, pos - start)));
            runtime.check_list_size(parts.size(), offset);
        }
    } else {
        const std::string& separator = require_string(sep, "split separator", offset);
        if (separator.empty()) type_error(offset, "split(): empty separator");
        size_t pos = 0;
        while (true) {
            const size_t found = text.find(separator, pos);
            if (found == std::string::npos ||
                (max_split >= 0 && static_cast<int64_t>(parts.size()) >= max_split)) {
                parts.push_back(Value::string(text.substr(pos)));
                break;
            }
            parts.push_back(Value::string(text.substr(pos, found - pos)));
            runtime.check_list_size(parts.size(), offset);
            pos = found + separator.size();
        }
    }
    runtime.charge(parts.size() + text.size() / 64, offset);
    return Value::list(std::move(parts));
}

bool starts_or_ends_with(const std::string& text, const Value& affix, bool at_start,
                         size_t offset) {
    auto check = [&](const Value& candidate) {
        const std::string& part = require_string(candidate, "prefix", offset);
        if (part.size() > text.size()) return false;
        return at_start ? text.compare(0, part.size(), part) == 0
                        : text.compare(text.size() - part.size(), part.size(), part) == 0;
    };
    if (affix.is_list()) {
        for (const Value& item : affix.as_list())
            if (check(item)) return true;
        return false;
    }
    return check(affix);
}

// Python int(text) for a str: optional sign, digits with single underscores, whitespace around.
std::optional<int64_t> parse_python_int(std::string_view text, int base) {
    text = python_strip(text, true, true);
    bool negative = false;
    if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
        negative = text[0] == '-';
        text.remove_prefix(1);
    }
    if (text.empty() || text.front() == '_' || text.back() == '_') return std::nullopt;
    std::string digits;
    for (size_t idx = 0; idx < text.size(); ++idx) {
        if (text[idx] == '_') {
            if (text[idx + 1] == '_') return std::nullopt;
            continue;
        }
        digits += text[idx];
    }
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(digits.c_str(), &end, base);
    if (end != digits.c_str() + digits.size() || errno == ERANGE) return std::nullopt;
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-' || digits[0] == ' ')) {
        return std::nullopt;
    }
    return negative ? -value : value;
}

std::optional<double> parse_python_float(std::string_view text) {
    text = python_strip(text, true, true);
    if (text.empty()) return std::nullopt;
    std::string digits;
    for (char ch : text)
        if (ch != '_') digits += ch;
    char* end = nullptr;
    const double value = std::strtod(digits.c_str(), &end);
    if (end != digits.c_str() + digits.size()) return std::nullopt;
    const std::string low = lower(digits);
    if (low.find("0x") != std::string::npos) return std::nullopt;  // strtod accepts hex; Python not
    return value;
}

// ---- filters ------------------------------------------------------------------------------

bool apply_test(Runtime& runtime, std::string_view name, const Value& value,
                const std::vector<Value>& args, size_t offset) {
    const TestSpec* test = find_test(name);
    if (test == nullptr) fail(kRender, offset, fmt::format("no test named '{}'", name));
    CallArgs call;
    call.positional = args;
    return test->fn(runtime, value, call, offset);
}

Value filter_trim(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    const Bound bound(args, {"chars"}, "trim", offset);
    return strip_value(runtime, input, bound.get(0, Value::none()), true, true, offset);
}

Value filter_upper(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "upper", offset);
    return Value::string(upper(to_output(runtime, input, offset)));
}

Value filter_lower(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "lower", offset);
    return Value::string(lower(to_output(runtime, input, offset)));
}

Value filter_capitalize(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "capitalize", offset);
    return Value::string(capitalize(to_output(runtime, input, offset)));
}

Value filter_title(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "title", offset);
    return Value::string(jinja_title(to_output(runtime, input, offset)));
}

Value filter_length(Runtime&, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "length", offset);
    switch (input.kind()) {
        case Value::Kind::kUndefined: return Value::integer(0);
        case Value::Kind::kString:
            return Value::integer(static_cast<int64_t>(code_point_count(input.as_string())));
        case Value::Kind::kList: return Value::integer(static_cast<int64_t>(input.as_list().size()));
        case Value::Kind::kDict:
            return Value::integer(static_cast<int64_t>(input.as_dict().items.size()));
        default:
            type_error(offset, fmt::format("object of type '{}' has no len()", input.type_name()));
    }
}

Value filter_default(Runtime&, const Value& input, const CallArgs& args, size_t offset) {
    const Bound bound(args, {"default_value", "boolean"}, "default", offset);
    const bool boolean = bound.get(1, Value::boolean(false)).truthy();
    if (input.is_undefined() || (boolean && !input.truthy())) {
        return bound.get(0, Value::string(""));
    }
    return input;
}

Value filter_tojson(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    const Bound bound(args, {"indent", "sort_keys"}, "tojson", offset);
    const Value indent = bound.get(0, Value::none());
    int indent_width = -1;
    if (!indent.is_none()) {
        indent_width = static_cast<int>(std::clamp<int64_t>(require_int(indent, "indent", offset), 0, 64));
    }
    std::string out;
    const JsonResult result = append_json(out, input, indent_width,
                                          bound.get(1, Value::boolean(false)).truthy(),
                                          runtime.max_string_bytes());
    if (result == JsonResult::kNotSerializable) {
        type_error(offset, "tojson: the value holds something JSON cannot represent (an undefined "
                           "value or a namespace)");
    }
    if (result == JsonResult::kTooLarge) runtime.check_string_size(out.size() + runtime.max_string_bytes(), offset);
    runtime.check_string_size(out.size(), offset);
    runtime.charge(out.size() / 64 + 1, offset);
    return Value::string(std::move(out));
}

Value filter_join(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    const Bound bound(args, {"d", "attribute"}, "join", offset);
    const std::string separator = to_output(runtime, bound.get(0, Value::string("")), offset);
    const Value attribute = bound.get(1, Value::none());
    std::string out;
    bool first = true;
    for (const Value& item : iterate(runtime, input, offset)) {
        if (!first) out += separator;
        first = false;
        const Value element =
            attribute.is_none() ? item : get_attribute(item, to_output(runtime, attribute, offset), offset);
        out += to_output(runtime, element, offset);
        runtime.check_string_size(out.size(), offset);
    }
    runtime.charge(out.size() / 64 + 1, offset);
    return Value::string(std::move(out));
}

Value filter_replace(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    const Bound bound(args, {"old", "new", "count"}, "replace", offset);
    const std::string text = to_output(runtime, input, offset);
    const std::string old_text = to_output(runtime, bound.require(0, "replace", "old", offset), offset);
    const std::string new_text = to_output(runtime, bound.require(1, "replace", "new", offset), offset);
    const Value count = bound.get(2, Value::none());
    return replace(runtime, text, old_text, new_text,
                   count.is_none() ? -1 : require_int(count, "count", offset), offset);
}

Value filter_first(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "first", offset);
    if (input.is_list()) return input.as_list().empty() ? Value() : input.as_list().front();
    std::vector<Value> items = iterate(runtime, input, offset);
    return items.empty() ? Value() : items.front();
}

Value filter_last(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "last", offset);
    if (input.is_list()) return input.as_list().empty() ? Value() : input.as_list().back();
    std::vector<Value> items = iterate(runtime, input, offset);
    return items.empty() ? Value() : items.back();
}

// selectattr / rejectattr / select / reject.
Value select_items(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset,
                   bool by_attribute, bool keep_matching, std::string_view function) {
    size_t next = 0;
    std::string attribute;
    if (by_attribute) {
        if (args.positional.empty()) {
            fail(kRender, offset, fmt::format("{}() missing the attribute to test", function));
        }
        attribute = to_output(runtime, args.positional[0], offset);
        next = 1;
    }
    if (!args.keyword.empty()) fail(kRender, offset, fmt::format("{}() takes no keyword arguments", function));
    std::string test_name;
    std::vector<Value> test_args;
    if (next < args.positional.size()) {
        test_name = to_output(runtime, args.positional[next], offset);
        test_args.assign(args.positional.begin() + static_cast<long>(next) + 1, args.positional.end());
    }
    std::vector<Value> kept;
    if (!input.truthy()) return Value::list({});  // Jinja2: `if seq:` before iterating
    for (const Value& item : iterate(runtime, input, offset)) {
        runtime.charge(1, offset);
        const Value subject = by_attribute ? get_attribute(item, attribute, offset) : item;
        const bool matches = test_name.empty() ? subject.truthy()
                                               : apply_test(runtime, test_name, subject, test_args, offset);
        if (matches == keep_matching) kept.push_back(item);
    }
    return Value::list(std::move(kept));
}

Value filter_selectattr(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    return select_items(runtime, input, args, offset, true, true, "selectattr");
}
Value filter_rejectattr(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    return select_items(runtime, input, args, offset, true, false, "rejectattr");
}
Value filter_select(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    return select_items(runtime, input, args, offset, false, true, "select");
}
Value filter_reject(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    return select_items(runtime, input, args, offset, false, false, "reject");
}

Value filter_map(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    std::vector<Value> out;
    if (!input.truthy()) return Value::list({});  // Jinja2: `if value:` before iterating
    const Value* attribute = nullptr;
    const Value* fallback = nullptr;
    for (const auto& [key, value] : args.keyword) {
        if (key == "attribute") {
            attribute = &value;
        } else if (key == "default") {
            fallback = &value;
        } else {
            fail(kRender, offset, fmt::format("map() got an unexpected keyword argument '{}'", key));
        }
    }
    if (attribute != nullptr) {
        if (!args.positional.empty()) fail(kRender, offset, "map() takes an attribute or a filter, not both");
        const std::string name = to_output(runtime, *attribute, offset);
        for (const Value& item : iterate(runtime, input, offset)) {
            runtime.charge(1, offset);
            Value element = get_attribute(item, name, offset);
            if (element.is_undefined() && fallback != nullptr) element = *fallback;
            out.push_back(std::move(element));
        }
        return Value::list(std::move(out));
    }
    if (args.positional.empty()) fail(kRender, offset, "map() needs a filter name or attribute=");
    const std::string filter_name = to_output(runtime, args.positional[0], offset);
    const FilterSpec* filter = find_filter(filter_name);
    if (filter == nullptr) fail(kRender, offset, fmt::format("no filter named '{}'", filter_name));
    CallArgs rest;
    rest.positional.assign(args.positional.begin() + 1, args.positional.end());
    for (const Value& item : iterate(runtime, input, offset)) {
        runtime.charge(1, offset);
        out.push_back(filter->fn(runtime, item, rest, offset));
    }
    return Value::list(std::move(out));
}

Value filter_string(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "string", offset);
    if (input.is_string()) return input;
    return Value::string(to_output(runtime, input, offset));
}

Value filter_int(Runtime&, const Value& input, const CallArgs& args, size_t offset) {
    const Bound bound(args, {"default", "base"}, "int", offset);
    const Value fallback = bound.get(0, Value::integer(0));
    const int64_t base = require_int(bound.get(1, Value::integer(10)), "base", offset);
    if (input.is_undefined()) fail_undefined(input, "converted to an integer", offset);
    if (input.is_int() || input.is_bool()) return Value::integer(input.as_int());
    auto from_double = [&](double value) {
        if (std::isnan(value)) return fallback;
        if (std::isinf(value) || std::fabs(value) >= 9.2e18) {
            type_error(offset, "cannot convert float infinity or a huge float to integer");
        }
        return Value::integer(static_cast<int64_t>(value));
    };
    if (input.is_float()) return from_double(input.as_double());
    if (input.is_string()) {
        if (base >= 2 && base <= 36) {
            if (auto parsed = parse_python_int(input.as_string(), static_cast<int>(base))) {
                return Value::integer(*parsed);
            }
        }
        if (auto parsed = parse_python_float(input.as_string())) return from_double(*parsed);
    }
    return fallback;
}

Value filter_float(Runtime&, const Value& input, const CallArgs& args, size_t offset) {
    const Bound bound(args, {"default"}, "float", offset);
    if (input.is_undefined()) fail_undefined(input, "converted to a float", offset);
    if (input.is_number()) return Value::number(input.as_double());
    if (input.is_string()) {
        if (auto parsed = parse_python_float(input.as_string())) return Value::number(*parsed);
    }
    return bound.get(0, Value::number(0.0));
}

Value filter_list(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "list", offset);
    if (input.is_list() && !input.is_tuple()) return input;
    return Value::list(iterate(runtime, input, offset));
}

Value filter_items(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "items", offset);
    if (input.is_undefined()) return Value::list({});
    if (!input.is_dict()) type_error(offset, "can only get item pairs from a mapping");
    std::vector<Value> pairs;
    for (const auto& [key, value] : input.as_dict().items) {
        pairs.push_back(Value::list({Value::string(key), value}, true));
    }
    runtime.charge(pairs.size(), offset);
    return Value::list(std::move(pairs));
}

Value filter_indent(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    const Bound bound(args, {"width", "first", "blank"}, "indent", offset);
    const Value width = bound.get(0, Value::integer(4));
    std::string indention;
    if (width.is_string()) {
        indention = width.as_string();
    } else {
        const int64_t count = require_int(width, "indent width", offset);
        runtime.check_string_size(static_cast<size_t>(std::max<int64_t>(count, 0)), offset);
        indention.assign(static_cast<size_t>(std::max<int64_t>(count, 0)), ' ');
    }
    const bool first = bound.get(1, Value::boolean(false)).truthy();
    const bool blank = bound.get(2, Value::boolean(false)).truthy();
    // Jinja2 appends "\n" to its argument first, which fails for anything but a string.
    const std::string text = require_string(input, "indent's input", offset) + "\n";
    // str.splitlines() on text ending in "\n" (Jinja's own quirk): lines without the last "".
    std::vector<std::string_view> lines;
    size_t start = 0;
    for (size_t pos = 0; pos < text.size(); ++pos) {
        const char ch = text[pos];
        if (ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f' || (ch >= 0x1c && ch <= 0x1e)) {
            lines.push_back(std::string_view(text).substr(start, pos - start));
            if (ch == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
            start = pos + 1;
        }
    }
    std::string out;
    for (size_t idx = 0; idx < lines.size(); ++idx) {
        if (idx > 0) {
            out += '\n';
            if (blank || !lines[idx].empty()) out += indention;
        }
        out += lines[idx];
        runtime.check_string_size(out.size(), offset);
    }
    if (first) out = indention + out;
    runtime.check_string_size(out.size(), offset);
    runtime.charge(out.size() / 64 + 1, offset);
    return Value::string(std::move(out));
}

Value filter_abs(Runtime&, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "abs", offset);
    if (input.is_float()) return Value::number(std::fabs(input.as_double()));
    if (input.is_number()) {
        if (input.as_int() == INT64_MIN) type_error(offset, "integer overflow in abs()");
        return Value::integer(std::llabs(input.as_int()));
    }
    type_error(offset, fmt::format("bad operand type for abs(): '{}'", input.type_name()));
}

Value filter_round(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    const Bound bound(args, {"precision", "method"}, "round", offset);
    const int64_t precision = require_int(bound.get(0, Value::integer(0)), "precision", offset);
    const std::string method = to_output(runtime, bound.get(1, Value::string("common")), offset);
    if (!input.is_number()) type_error(offset, fmt::format("cannot round a '{}'", input.type_name()));
    if (method == "common" && !input.is_float() && precision >= 0) {
        return Value::integer(input.as_int());  // Python: round(int, n) is that int
    }
    const double scale = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(precision, -300, 300)));
    const double value = input.as_double() * scale;
    double rounded = 0;
    if (method == "common") {
        rounded = std::nearbyint(value);  // Python's round(): half to even
    } else if (method == "ceil") {
        rounded = std::ceil(value);
    } else if (method == "floor") {
        rounded = std::floor(value);
    } else {
        fail(kRender, offset, "round() method must be 'common', 'ceil' or 'floor'");
    }
    return Value::number(rounded / scale);
}

Value filter_reverse(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "reverse", offset);
    if (input.is_string()) {
        const std::string& text = input.as_string();
        const std::vector<size_t> offsets = code_point_offsets(text);
        std::string out;
        out.reserve(text.size());
        for (size_t idx = offsets.size(); idx-- > 0;) {
            const size_t end = idx + 1 < offsets.size() ? offsets[idx + 1] : text.size();
            out.append(text, offsets[idx], end - offsets[idx]);
        }
        return Value::string(std::move(out));
    }
    std::vector<Value> items = iterate(runtime, input, offset);
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
}

Value filter_safe(Runtime&, const Value& input, const CallArgs& args, size_t offset) {
    no_arguments(args, "safe", offset);
    return input;
}

constexpr std::array kFilters = {
    FilterSpec{"abs", filter_abs},
    FilterSpec{"capitalize", filter_capitalize},
    FilterSpec{"count", filter_length},
    FilterSpec{"d", filter_default},
    FilterSpec{"default", filter_default},
    FilterSpec{"first", filter_first},
    FilterSpec{"float", filter_float},
    FilterSpec{"indent", filter_indent},
    FilterSpec{"int", filter_int},
    FilterSpec{"items", filter_items},
    FilterSpec{"join", filter_join},
    FilterSpec{"last", filter_last},
    FilterSpec{"length", filter_length},
    FilterSpec{"list", filter_list},
    FilterSpec{"lower", filter_lower},
    FilterSpec{"map", filter_map},
    FilterSpec{"reject", filter_reject},
    FilterSpec{"rejectattr", filter_rejectattr},
    FilterSpec{"replace", filter_replace},
    FilterSpec{"reverse", filter_reverse},
    FilterSpec{"round", filter_round},
    FilterSpec{"safe", filter_safe},
    FilterSpec{"select", filter_select},
    FilterSpec{"selectattr", filter_selectattr},
    FilterSpec{"string", filter_string},
    FilterSpec{"title", filter_title},
    FilterSpec{"tojson", filter_tojson},
    FilterSpec{"trim", filter_trim},
    FilterSpec{"upper", filter_upper},
};

// ---- tests --------------------------------------------------------------------------------

const Value& one_argument(const CallArgs& args, std::string_view test, size_t offset) {
    if (args.positional.size() != 1 || !args.keyword.empty()) {
        fail(kRender, offset, fmt::format("test '{}' takes one argument", test));
    }
    return args.positional[0];
}

#define HEARTH_SIMPLE_TEST(fn_name, test_name, expression)                                \
    bool fn_name(Runtime&, const Value& value, const CallArgs& args, size_t offset) {      \
        no_arguments(args, test_name, offset);                                             \
        return expression;                                                                 \
    }

HEARTH_SIMPLE_TEST(test_defined, "defined", !value.is_undefined())
HEARTH_SIMPLE_TEST(test_undefined, "undefined", value.is_undefined())
HEARTH_SIMPLE_TEST(test_none, "none", value.is_none())
HEARTH_SIMPLE_TEST(test_boolean, "boolean", value.is_bool())
HEARTH_SIMPLE_TEST(test_true, "true", value.is_bool() && value.as_bool())
HEARTH_SIMPLE_TEST(test_false, "false", value.is_bool() && !value.as_bool())
HEARTH_SIMPLE_TEST(test_integer, "integer", value.is_int())
HEARTH_SIMPLE_TEST(test_float, "float", value.is_float())
HEARTH_SIMPLE_TEST(test_number, "number", value.is_number())
HEARTH_SIMPLE_TEST(test_string, "string", value.is_string())
HEARTH_SIMPLE_TEST(test_mapping, "mapping", value.is_dict())
HEARTH_SIMPLE_TEST(test_iterable, "iterable",
                   value.is_string() || value.is_list() || value.is_dict() || value.is_undefined())
// Jinja2 asks for len() and __getitem__, which its Undefined has.
HEARTH_SIMPLE_TEST(test_sequence, "sequence",
                   value.is_string() || value.is_list() || value.is_dict() || value.is_undefined())


#undef HEARTH_SIMPLE_TEST

bool test_lower(Runtime& runtime, const Value& value, const CallArgs& args, size_t offset) {
    no_arguments(args, "lower", offset);
    const std::string text = to_output(runtime, value, offset);
    return text == lower(text) && text != upper(text);
}

bool test_upper(Runtime& runtime, const Value& value, const CallArgs& args, size_t offset) {
    no_arguments(args, "upper", offset);
    const std::string text = to_output(runtime, value, offset);
    return text == upper(text) && text != lower(text);
}

// Python's value % divisor == 0 for ints, bools and floats (Jinja2's even, odd, divisibleby).
bool python_mod_is_zero(const Value& value, const Value& divisor, std::string_view test,
                        size_t offset) {
    if (!value.is_number() || !divisor.is_number()) {
        type_error(offset, fmt::format("test '{}' needs numbers, not '{}' and '{}'", test,
                                       value.type_name(), divisor.type_name()));
    }
    if (divisor.as_double() == 0.0) type_error(offset, "integer division or modulo by zero");
    if (value.is_float() || divisor.is_float()) {
        return std::fmod(value.as_double(), divisor.as_double()) == 0.0;
    }
    if (divisor.as_int() == -1) return true;
    return value.as_int() % divisor.as_int() == 0;
}

bool test_even(Runtime&, const Value& value, const CallArgs& args, size_t offset) {
    no_arguments(args, "even", offset);
    return python_mod_is_zero(value, Value::integer(2), "even", offset);
}

bool test_odd(Runtime&, const Value& value, const CallArgs& args, size_t offset) {
    no_arguments(args, "odd", offset);
    // Python: value % 2 == 1 (for a float, 1.5 % 2 == 1.5 is not odd).
    if (value.is_float()) {
        double mod = std::fmod(value.as_double(), 2.0);
        if (mod < 0) mod += 2.0;
        return mod == 1.0;
    }
    return !python_mod_is_zero(value, Value::integer(2), "odd", offset);
}

bool test_divisibleby(Runtime&, const Value& value, const CallArgs& args, size_t offset) {
    return python_mod_is_zero(value, one_argument(args, "divisibleby", offset), "divisibleby",
                              offset);
}

bool test_eq(Runtime& runtime, const Value& value, const CallArgs& args, size_t offset) {
    return values_equal(runtime, value, one_argument(args, "eq", offset), offset);
}

bool test_ne(Runtime& runtime, const Value& value, const CallArgs& args, size_t offset) {
    return !values_equal(runtime, value, one_argument(args, "ne", offset), offset);
}

bool test_lt(Runtime& runtime, const Value& value, const CallArgs& args, size_t offset) {
    return values_order(runtime, value, one_argument(args, "lt", offset), offset) == Order::kLess;
}
bool test_le(Runtime& runtime, const Value& value, const CallArgs& args, size_t offset) {
    return values_order(runtime, value, one_argument(args, "le", offset), offset) != Order::kGreater;
}
bool test_gt(Runtime& runtime, const Value& value, const CallArgs& args, size_t offset) {
    return values_order(runtime, value, one_argument(args, "gt", offset), offset) == Order::kGreater;
}
bool test_ge(Runtime& runtime, const Value& value, const CallArgs& args, size_t offset) {
    return values_order(runtime, value, one_argument(args, "ge", offset), offset) != Order::kLess;
}

bool test_in(Runtime& runtime, const Value& value, const CallArgs& args, size_t offset) {
    return contains(runtime, one_argument(args, "in", offset), value, offset);
}

bool test_sameas(Runtime&, const Value& value, const CallArgs& args, size_t offset) {
    const Value& other = one_argument(args, "sameas", offset);
    if (value.kind() != other.kind()) return false;
    switch (value.kind()) {
        case Value::Kind::kNone:
        case Value::Kind::kUndefined: return true;
        case Value::Kind::kBool: return value.as_bool() == other.as_bool();
        case Value::Kind::kInt: return value.as_int() == other.as_int();
        default: return value.identity() == other.identity();
    }
}

constexpr std::array kTests = {
    TestSpec{"!=", test_ne},
    TestSpec{"<", test_lt},
    TestSpec{"<=", test_le},
    TestSpec{"==", test_eq},
    TestSpec{">", test_gt},
    TestSpec{">=", test_ge},
    TestSpec{"boolean", test_boolean},
    TestSpec{"defined", test_defined},
    TestSpec{"divisibleby", test_divisibleby},
    TestSpec{"eq", test_eq},
    TestSpec{"equalto", test_eq},
    TestSpec{"even", test_even},
    TestSpec{"false", test_false},
    TestSpec{"float", test_float},
    TestSpec{"ge", test_ge},
    TestSpec{"greaterthan", test_gt},
    TestSpec{"gt", test_gt},
    TestSpec{"in", test_in},
    TestSpec{"integer", test_integer},
    TestSpec{"iterable", test_iterable},
    TestSpec{"le", test_le},
    TestSpec{"lessthan", test_lt},
    TestSpec{"lower", test_lower},
    TestSpec{"lt", test_lt},
    TestSpec{"mapping", test_mapping},
    TestSpec{"ne", test_ne},
    TestSpec{"none", test_none},
    TestSpec{"number", test_number},
    TestSpec{"odd", test_odd},
    TestSpec{"sameas", test_sameas},
    TestSpec{"sequence", test_sequence},
    TestSpec{"string", test_string},
    TestSpec{"true", test_true},
    TestSpec{"undefined", test_undefined},
    TestSpec{"upper", test_upper},
};

// ---- methods ------------------------------------------------------------------------------

Value string_method(Runtime& runtime, const std::string& text, std::string_view name,
                    const CallArgs& args, size_t offset) {
    const Value self = Value::string(text);
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
        const Bound bound(args, {"chars"}, name, offset);
        return strip_value(runtime, self, bound.get(0, Value::none()), name != "rstrip",
                           name != "lstrip", offset);
    }
    if (name == "upper" || name == "lower" || name == "title" || name == "capitalize") {
        no_arguments(args, name, offset);
        if (name == "upper") return Value::string(upper(text));
        if (name == "lower") return Value::string(lower(text));
        if (name == "title") return Value::string(python_title(text));
        return Value::string(capitalize(text));
    }
    if (name == "startswith" || name == "endswith") {
        const Bound bound(args, {"affix"}, name, offset);
        return Value::boolean(starts_or_ends_with(text, bound.require(0, name, "prefix", offset),
                                                  name == "startswith", offset));
    }
    if (name == "split") {
        const Bound bound(args, {"sep", "maxsplit"}, name, offset);
        return split(runtime, text, bound.get(0, Value::none()),
                     require_int(bound.get(1, Value::integer(-1)), "maxsplit", offset), offset);
    }
    if (name == "replace") {
        const Bound bound(args, {"old", "new", "count"}, name, offset);
        return replace(runtime, text, require_string(bound.require(0, name, "old", offset), "old", offset),
                       require_string(bound.require(1, name, "new", offset), "new", offset),
                       require_int(bound.get(2, Value::integer(-1)), "count", offset), offset);
    }
    if (name == "find" || name == "count") {
        const Bound bound(args, {"sub"}, name, offset);
        const std::string& sub = require_string(bound.require(0, name, "sub", offset), "sub", offset);
        if (name == "find") {
            const size_t found = text.find(sub);
            if (found == std::string::npos) return Value::integer(-1);
            return Value::integer(static_cast<int64_t>(code_point_count(text.substr(0, found))));
        }
        if (sub.empty()) return Value::integer(static_cast<int64_t>(code_point_count(text) + 1));
        int64_t count = 0;
        for (size_t pos = text.find(sub); pos != std::string::npos; pos = text.find(sub, pos + sub.size()))
            ++count;
        return Value::integer(count);
    }
    if (name == "join") {
        const Bound bound(args, {"iterable"}, name, offset);
        std::string out;
        bool first = true;
        for (const Value& item : iterate(runtime, bound.require(0, name, "iterable", offset), offset)) {
            if (!first) out += text;
            first = false;
            out += require_string(item, "joined item", offset);
            runtime.check_string_size(out.size(), offset);
        }
        runtime.charge(out.size() / 64 + 1, offset);
        return Value::string(std::move(out));
    }
    type_error(offset, fmt::format("'str' object has no method '{}'", name));
}

Value dict_method(Runtime& runtime, const Value& dict, std::string_view name, const CallArgs& args,
                  size_t offset) {
    const DictData& data = dict.as_dict();
    if (name == "get") {
        const Bound bound(args, {"key", "default"}, name, offset);
        const Value& key = bound.require(0, name, "key", offset);
        if (key.is_string()) {
            if (const Value* found = data.find(key.as_string())) return *found;
        }
        return bound.get(1, Value::none());
    }
    if (name == "items" || name == "keys" || name == "values") {
        no_arguments(args, name, offset);
        std::vector<Value> out;
        out.reserve(data.items.size());
        for (const auto& [key, value] : data.items) {
            if (name == "items") out.push_back(Value::list({Value::string(key), value}, true));
            if (name == "keys") out.push_back(Value::string(key));
            if (name == "values") out.push_back(value);
        }
        runtime.charge(out.size(), offset);
        return Value::list(std::move(out));
    }
    type_error(offset, fmt::format("'dict' object has no method '{}'", name));
}

}  // namespace

bool values_equal(Runtime& runtime, const Value& lhs, const Value& rhs, size_t offset) {
    WorkMeter meter{0, runtime.remaining_work()};
    const bool result = equals(lhs, rhs, meter);
    runtime.charge(meter.used, offset);
    return result;
}

Order values_order(Runtime& runtime, const Value& lhs, const Value& rhs, size_t offset) {
    WorkMeter meter{0, runtime.remaining_work()};
    const auto order = compare(lhs, rhs, meter);
    runtime.charge(meter.used, offset);
    if (!order) {
        type_error(offset, fmt::format("'<' not supported between instances of '{}' and '{}'",
                                       lhs.type_name(), rhs.type_name()));
    }
    return *order;
}

bool contains(Runtime& runtime, const Value& container, const Value& value, size_t offset) {
    switch (container.kind()) {
        case Value::Kind::kString:
            if (!value.is_string()) {
                type_error(offset, fmt::format("'in <string>' requires string as left operand, not {}",
                                               value.type_name()));
            }
            runtime.charge(container.as_string().size() / 64, offset);
            return container.as_string().find(value.as_string()) != std::string::npos;
        case Value::Kind::kList:
            for (const Value& item : container.as_list())
                if (values_equal(runtime, item, value, offset)) return true;
            return false;
        case Value::Kind::kDict:
            if (value.is_list() || value.is_dict() || value.is_namespace()) {
                type_error(offset, fmt::format("unhashable type: '{}'", value.type_name()));
            }
            runtime.charge(container.as_dict().items.size() / 8, offset);
            return value.is_string() && container.as_dict().find(value.as_string()) != nullptr;
        case Value::Kind::kUndefined: return false;
        default:
            type_error(offset, fmt::format("argument of type '{}' is not iterable",
                                           container.type_name()));
    }
}

const FilterSpec* find_filter(std::string_view name) {
    for (const FilterSpec& spec : kFilters)
        if (spec.name == name) return &spec;
    return nullptr;
}

const TestSpec* find_test(std::string_view name) {
    for (const TestSpec& spec : kTests)
        if (spec.name == name) return &spec;
    return nullptr;
}

Value get_attribute(const Value& object, std::string_view name, size_t offset) {
    switch (object.kind()) {
        case Value::Kind::kUndefined:
            fail_undefined(object, fmt::format("asked for attribute '{}'", name), offset);
        case Value::Kind::kDict:
            if (const Value* found = object.as_dict().find(name)) return *found;
            return Value::undefined({});
        case Value::Kind::kNamespace:
            if (const Value* found = object.as_namespace().attributes.find(name)) return *found;
            return Value::undefined({});
        default: return Value::undefined({});
    }
}

Value get_item(const Value& object, const Value& key, size_t offset) {
    switch (object.kind()) {
        case Value::Kind::kUndefined: fail_undefined(object, "indexed", offset);
        case Value::Kind::kList: {
            if (!key.is_int() && !key.is_bool()) return Value::undefined({});
            const auto& items = object.as_list();
            int64_t index = key.as_int();
            const int64_t size = static_cast<int64_t>(items.size());
            if (index < 0) index += size;
            if (index < 0 || index >= size) return Value::undefined({});
            return items[static_cast<size_t>(index)];
        }
        case Value::Kind::kString: {
            if (!key.is_int() && !key.is_bool()) return Value::undefined({});
            const std::string& text = object.as_string();
            const std::vector<size_t> offsets = code_point_offsets(text);
            int64_t index = key.as_int();
            const int64_t size = static_cast<int64_t>(offsets.size());
            if (index < 0) index += size;
            if (index < 0 || index >= size) return Value::undefined({});
            const size_t begin = offsets[static_cast<size_t>(index)];
            const size_t end =
                index + 1 < size ? offsets[static_cast<size_t>(index) + 1] : text.size();
            return Value::string(text.substr(begin, end - begin));
        }
        case Value::Kind::kDict:
        case Value::Kind::kNamespace:
            if (!key.is_string()) return Value::undefined({});
            return get_attribute(object, key.as_string(), offset);
        default: return Value::undefined({});
    }
}

Value call_method(Runtime& runtime, const Value& object, std::string_view name,
                  const CallArgs& args, size_t offset) {
    runtime.charge(1, offset);
    if (object.is_string()) return string_method(runtime, object.as_string(), name, args, offset);
    if (object.is_dict()) return dict_method(runtime, object, name, args, offset);
    if (object.is_undefined()) get_attribute(object, name, offset);  // throws "'x' is undefined"
    type_error(offset, fmt::format("'{}' object has no method '{}'", object.type_name(), name));
}

bool is_global_function(std::string_view name) {
    return name == "range" || name == "namespace" || name == "raise_exception" ||
           name == "strftime_now" || name == "dict";
}

Value call_global(Runtime& runtime, std::string_view name, const CallArgs& args, size_t offset) {
    runtime.charge(1, offset);
    if (name == "range") {
        if (!args.keyword.empty()) fail(kRender, offset, "range() takes no keyword arguments");
        const auto& pos = args.positional;
        if (pos.empty() || pos.size() > 3) fail(kRender, offset, "range() takes 1 to 3 arguments");
        int64_t start = 0;
        int64_t stop = 0;
        int64_t step = 1;
        if (pos.size() == 1) {
            stop = require_int(pos[0], "range() argument", offset);
        } else {
            start = require_int(pos[0], "range() argument", offset);
            stop = require_int(pos[1], "range() argument", offset);
            if (pos.size() == 3) step = require_int(pos[2], "range() argument", offset);
        }
        if (step == 0) fail(kRender, offset, "range() arg 3 must not be zero");
        // The count, computed without overflow: ceil((stop - start) / step) when positive.
        const long double span = static_cast<long double>(stop) - static_cast<long double>(start);
        const long double count_real = std::ceil(span / static_cast<long double>(step));
        const int64_t count = count_real > 0 ? static_cast<int64_t>(std::min<long double>(count_real, 1e18L)) : 0;
        constexpr int64_t kMaxRange = 100000;  // Jinja2's sandbox refuses larger ranges
        if (count > kMaxRange) {
            fail(kRender, offset,
                 fmt::format("range() of {} items is larger than the limit ({})", count, kMaxRange));
        }
        std::vector<Value> items;
        items.reserve(static_cast<size_t>(count));
        for (int64_t idx = 0; idx < count; ++idx) items.push_back(Value::integer(start + idx * step));
        runtime.charge(static_cast<size_t>(count), offset);
        return Value::list(std::move(items));
    }
    if (name == "namespace" || name == "dict") {
        std::vector<std::pair<std::string, Value>> items;
        if (args.positional.size() > 1) fail(kRender, offset, fmt::format("{}() takes at most one positional argument", name));
        if (!args.positional.empty()) {
            if (!args.positional[0].is_dict()) {
                type_error(offset, fmt::format("{}() argument must be a mapping", name));
            }
            items = args.positional[0].as_dict().items;
        }
        for (const auto& [key, value] : args.keyword) items.emplace_back(std::string(key), value);
        Value dict = Value::dict(std::move(items));
        if (name == "dict") return dict;
        if (dict.has_namespace()) fail(kRender, offset, "a namespace cannot hold another namespace");
        return Value::make_namespace(dict.as_dict());
    }
    if (name == "raise_exception") {
        const Bound bound(args, {"message"}, name, offset);
        fail(TemplateError::Kind::kRaised, offset, to_output(runtime, bound.get(0, Value::string("")), offset));
    }
    if (name == "strftime_now") {
        const Bound bound(args, {"format"}, name, offset);
        const std::string& format = require_string(bound.require(0, name, "format", offset), "format", offset);
        const std::time_t now = std::time(nullptr);
        std::tm local{};
        localtime_r(&now, &local);
        std::string out(256 + format.size() * 8, '\0');
        const size_t written = format.empty() ? 0 : std::strftime(out.data(), out.size(), format.c_str(), &local);
        if (written == 0 && !format.empty()) {
            fail(kRender, offset, "strftime_now(): the formatted time is empty or too long");
        }
        out.resize(written);
        return Value::string(std::move(out));
    }
    fail(kRender, offset, fmt::format("'{}' is undefined", name));
}

std::vector<Value> iterate(Runtime& runtime, const Value& value, size_t offset) {
    switch (value.kind()) {
        case Value::Kind::kUndefined: return {};
        case Value::Kind::kList: return value.as_list();
        case Value::Kind::kDict: {
            std::vector<Value> keys;
            keys.reserve(value.as_dict().items.size());
            for (const auto& item : value.as_dict().items) keys.push_back(Value::string(item.first));
            return keys;
        }
        case Value::Kind::kString: {
            const std::string& text = value.as_string();
            const std::vector<size_t> offsets = code_point_offsets(text);
            runtime.charge(offsets.size(), offset);
            std::vector<Value> chars;
            chars.reserve(offsets.size());
            for (size_t idx = 0; idx < offsets.size(); ++idx) {
                const size_t end = idx + 1 < offsets.size() ? offsets[idx + 1] : text.size();
                chars.push_back(Value::string(text.substr(offsets[idx], end - offsets[idx])));
            }
            return chars;
        }
        default:
            type_error(offset, fmt::format("'{}' object is not iterable", value.type_name()));
    }
}

std::string to_output(Runtime& runtime, const Value& value, size_t offset) {
    if (value.is_string()) return value.as_string();
    std::string out;
    if (!append_str(out, value, runtime.max_string_bytes())) {
        runtime.check_string_size(out.size() + 1, offset);  // throws: the text is too long
    }
    runtime.charge(out.size() / 64 + 1, offset);
    return out;
}

}  // namespace hearth::text::jinja
