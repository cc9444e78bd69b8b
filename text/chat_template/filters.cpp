// The filters (x | name(args)), each as Jinja2 3.1 defines it (jinja2/filters.py), with Hugging
// Face's tojson (json.dumps, ensure_ascii=False).
#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

#include "text/chat_template/builtin_support.h"
#include "text/chat_template/builtins.h"
#include "text/chat_template/syntax_error.h"

namespace hearth::text::jinja {
namespace {

constexpr TemplateError::Kind kRender = TemplateError::Kind::kRender;

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
        case Value::Kind::kUndefined:
            return Value::integer(0);
        case Value::Kind::kString:
            return Value::integer(static_cast<int64_t>(code_point_count(input.as_string())));
        case Value::Kind::kList:
            return Value::integer(static_cast<int64_t>(input.as_list().size()));
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
        indent_width =
            static_cast<int>(std::clamp<int64_t>(require_int(indent, "indent", offset), 0, 64));
    }
    std::string out;
    const JsonResult result =
        append_json(out, input, indent_width, bound.get(1, Value::boolean(false)).truthy(),
                    runtime.max_string_bytes());
    if (result == JsonResult::kNotSerializable) {
        type_error(offset,
                   "tojson: the value holds something JSON cannot represent (an undefined "
                   "value or a namespace)");
    }
    if (result == JsonResult::kTooLarge)
        runtime.check_string_size(out.size() + runtime.max_string_bytes(), offset);
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
            attribute.is_none()
                ? item
                : get_attribute(item, to_output(runtime, attribute, offset), offset);
        out += to_output(runtime, element, offset);
        runtime.check_string_size(out.size(), offset);
    }
    runtime.charge(out.size() / 64 + 1, offset);
    return Value::string(std::move(out));
}

Value filter_replace(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset) {
    const Bound bound(args, {"old", "new", "count"}, "replace", offset);
    const std::string text = to_output(runtime, input, offset);
    const std::string old_text =
        to_output(runtime, bound.require(0, "replace", "old", offset), offset);
    const std::string new_text =
        to_output(runtime, bound.require(1, "replace", "new", offset), offset);
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
    if (!args.keyword.empty())
        fail(kRender, offset, fmt::format("{}() takes no keyword arguments", function));
    std::string test_name;
    std::vector<Value> test_args;
    if (next < args.positional.size()) {
        test_name = to_output(runtime, args.positional[next], offset);
        test_args.assign(args.positional.begin() + static_cast<long>(next) + 1,
                         args.positional.end());
    }
    std::vector<Value> kept;
    if (!input.truthy()) return Value::list({});  // Jinja2: `if seq:` before iterating
    for (const Value& item : iterate(runtime, input, offset)) {
        runtime.charge(1, offset);
        const Value subject = by_attribute ? get_attribute(item, attribute, offset) : item;
        const bool matches = test_name.empty()
                                 ? subject.truthy()
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
            fail(kRender, offset,
                 fmt::format("map() got an unexpected keyword argument '{}'", key));
        }
    }
    if (attribute != nullptr) {
        if (!args.positional.empty())
            fail(kRender, offset, "map() takes an attribute or a filter, not both");
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
    if (!input.is_number())
        type_error(offset, fmt::format("cannot round a '{}'", input.type_name()));
    if (method == "common" && !input.is_float() && precision >= 0) {
        return Value::integer(input.as_int());  // Python: round(int, n) is that int
    }
    const double scale =
        std::pow(10.0, static_cast<double>(std::clamp<int64_t>(precision, -300, 300)));
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
    FilterSpec{"abs", filter_abs},         FilterSpec{"capitalize", filter_capitalize},
    FilterSpec{"count", filter_length},    FilterSpec{"d", filter_default},
    FilterSpec{"default", filter_default}, FilterSpec{"first", filter_first},
    FilterSpec{"float", filter_float},     FilterSpec{"indent", filter_indent},
    FilterSpec{"int", filter_int},         FilterSpec{"items", filter_items},
    FilterSpec{"join", filter_join},       FilterSpec{"last", filter_last},
    FilterSpec{"length", filter_length},   FilterSpec{"list", filter_list},
    FilterSpec{"lower", filter_lower},     FilterSpec{"map", filter_map},
    FilterSpec{"reject", filter_reject},   FilterSpec{"rejectattr", filter_rejectattr},
    FilterSpec{"replace", filter_replace}, FilterSpec{"reverse", filter_reverse},
    FilterSpec{"round", filter_round},     FilterSpec{"safe", filter_safe},
    FilterSpec{"select", filter_select},   FilterSpec{"selectattr", filter_selectattr},
    FilterSpec{"string", filter_string},   FilterSpec{"title", filter_title},
    FilterSpec{"tojson", filter_tojson},   FilterSpec{"trim", filter_trim},
    FilterSpec{"upper", filter_upper},
};

}  // namespace

const FilterSpec* find_filter(std::string_view name) {
    for (const FilterSpec& spec : kFilters)
        if (spec.name == name) return &spec;
    return nullptr;
}

}  // namespace hearth::text::jinja
