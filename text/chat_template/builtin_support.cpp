#include "text/chat_template/builtin_support.h"

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "text/chat_template/syntax_error.h"

namespace hearth::text::jinja {
namespace {

constexpr TemplateError::Kind kRender = TemplateError::Kind::kRender;

char ascii_upper(char ch) {
    return ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 32) : ch;
}
char ascii_lower(char ch) {
    return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch;
}
bool ascii_alpha(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
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

}  // namespace

Bound::Bound(const CallArgs& args, std::initializer_list<std::string_view> names,
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

const Value& Bound::require(size_t idx, std::string_view function, std::string_view name,
                            size_t offset) const {
    if (!values_[idx]) {
        fail(kRender, offset, fmt::format("{}() missing required argument '{}'", function, name));
    }
    return *values_[idx];
}

void no_arguments(const CallArgs& args, std::string_view function, size_t offset) {
    if (!args.positional.empty() || !args.keyword.empty()) {
        fail(kRender, offset, fmt::format("{}() takes no arguments", function));
    }
}

[[noreturn]] void type_error(size_t offset, std::string message) {
    fail(kRender, offset, std::move(message));
}

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
        const bool separator =
            space || ch == '-' || ch == '(' || ch == '{' || ch == '[' || ch == '<';
        for (size_t idx = 0; idx < length; ++idx) {
            const char byte = text[offset + idx];
            out += word_start && !separator ? ascii_upper(byte) : ascii_lower(byte);
        }
        word_start = separator;
        offset += length;
    }
    return out;
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
    auto budget_check = [&]() { runtime.check_string_size(out.size(), offset); };
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
                parts.push_back(
                    Value::string(std::string(python_strip(text.substr(pos), false, true))));
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

}  // namespace hearth::text::jinja
