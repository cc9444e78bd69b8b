// Tests (x is name), methods of str and dict, global functions, attribute and item access,
// iteration and Python's ==, < and `in` for the chat-template evaluator.
#include "text/chat_template/builtins.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>

#include "text/chat_template/builtin_support.h"
#include "text/chat_template/syntax_error.h"

namespace hearth::text::jinja {
namespace {

constexpr TemplateError::Kind kRender = TemplateError::Kind::kRender;

// ---- tests --------------------------------------------------------------------------------

const Value& one_argument(const CallArgs& args, std::string_view test, size_t offset) {
    if (args.positional.size() != 1 || !args.keyword.empty()) {
        fail(kRender, offset, fmt::format("test '{}' takes one argument", test));
    }
    return args.positional[0];
}

#define HEARTH_SIMPLE_TEST(fn_name, test_name, expression)                            \
    bool fn_name(Runtime&, const Value& value, const CallArgs& args, size_t offset) { \
        no_arguments(args, test_name, offset);                                        \
        return expression;                                                            \
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
    return values_order(runtime, value, one_argument(args, "le", offset), offset) !=
           Order::kGreater;
}
bool test_gt(Runtime& runtime, const Value& value, const CallArgs& args, size_t offset) {
    return values_order(runtime, value, one_argument(args, "gt", offset), offset) ==
           Order::kGreater;
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
        case Value::Kind::kUndefined:
            return true;
        case Value::Kind::kBool:
            return value.as_bool() == other.as_bool();
        case Value::Kind::kInt:
            return value.as_int() == other.as_int();
        default:
            return value.identity() == other.identity();
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
        return replace(runtime, text,
                       require_string(bound.require(0, name, "old", offset), "old", offset),
                       require_string(bound.require(1, name, "new", offset), "new", offset),
                       require_int(bound.get(2, Value::integer(-1)), "count", offset), offset);
    }
    if (name == "find" || name == "count") {
        const Bound bound(args, {"sub"}, name, offset);
        const std::string& sub =
            require_string(bound.require(0, name, "sub", offset), "sub", offset);
        if (name == "find") {
            const size_t found = text.find(sub);
            if (found == std::string::npos) return Value::integer(-1);
            return Value::integer(static_cast<int64_t>(code_point_count(text.substr(0, found))));
        }
        if (sub.empty()) return Value::integer(static_cast<int64_t>(code_point_count(text) + 1));
        int64_t count = 0;
        for (size_t pos = text.find(sub); pos != std::string::npos;
             pos = text.find(sub, pos + sub.size()))
            ++count;
        return Value::integer(count);
    }
    if (name == "join") {
        const Bound bound(args, {"iterable"}, name, offset);
        std::string out;
        bool first = true;
        for (const Value& item :
             iterate(runtime, bound.require(0, name, "iterable", offset), offset)) {
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
                type_error(offset,
                           fmt::format("'in <string>' requires string as left operand, not {}",
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
        case Value::Kind::kUndefined:
            return false;
        default:
            type_error(offset,
                       fmt::format("argument of type '{}' is not iterable", container.type_name()));
    }
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
        default:
            return Value::undefined({});
    }
}

Value get_item(const Value& object, const Value& key, size_t offset) {
    switch (object.kind()) {
        case Value::Kind::kUndefined:
            fail_undefined(object, "indexed", offset);
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
        default:
            return Value::undefined({});
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
        const int64_t count =
            count_real > 0 ? static_cast<int64_t>(std::min<long double>(count_real, 1e18L)) : 0;
        constexpr int64_t kMaxRange = 100000;  // Jinja2's sandbox refuses larger ranges
        if (count > kMaxRange) {
            fail(
                kRender, offset,
                fmt::format("range() of {} items is larger than the limit ({})", count, kMaxRange));
        }
        std::vector<Value> items;
        items.reserve(static_cast<size_t>(count));
        for (int64_t idx = 0; idx < count; ++idx)
            items.push_back(Value::integer(start + idx * step));
        runtime.charge(static_cast<size_t>(count), offset);
        return Value::list(std::move(items));
    }
    if (name == "namespace" || name == "dict") {
        std::vector<std::pair<std::string, Value>> items;
        if (args.positional.size() > 1)
            fail(kRender, offset, fmt::format("{}() takes at most one positional argument", name));
        if (!args.positional.empty()) {
            if (!args.positional[0].is_dict()) {
                type_error(offset, fmt::format("{}() argument must be a mapping", name));
            }
            items = args.positional[0].as_dict().items;
        }
        for (const auto& [key, value] : args.keyword) items.emplace_back(std::string(key), value);
        Value dict = Value::dict(std::move(items));
        if (name == "dict") return dict;
        if (dict.has_namespace())
            fail(kRender, offset, "a namespace cannot hold another namespace");
        return Value::make_namespace(dict.as_dict());
    }
    if (name == "raise_exception") {
        const Bound bound(args, {"message"}, name, offset);
        fail(TemplateError::Kind::kRaised, offset,
             to_output(runtime, bound.get(0, Value::string("")), offset));
    }
    if (name == "strftime_now") {
        const Bound bound(args, {"format"}, name, offset);
        const std::string& format =
            require_string(bound.require(0, name, "format", offset), "format", offset);
        const std::time_t now = std::time(nullptr);
        std::tm local{};
        localtime_r(&now, &local);
        std::string out(256 + format.size() * 8, '\0');
        const size_t written =
            format.empty() ? 0 : std::strftime(out.data(), out.size(), format.c_str(), &local);
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
        case Value::Kind::kUndefined:
            return {};
        case Value::Kind::kList:
            return value.as_list();
        case Value::Kind::kDict: {
            std::vector<Value> keys;
            keys.reserve(value.as_dict().items.size());
            for (const auto& item : value.as_dict().items)
                keys.push_back(Value::string(item.first));
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
