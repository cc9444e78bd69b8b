#include "text/chat_template/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "text/utf8.h"

namespace hearth::text::jinja {
namespace {

int container_depth(const std::vector<Value>& items) {
    int deepest = 0;
    for (const Value& item : items) deepest = std::max(deepest, item.depth());
    return deepest + 1;
}

void append_hex_escape(std::string& out, const char* prefix, uint32_t code, int digits) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%s%0*x", prefix, digits, code);
    out += buf;
}

// Python's str.isprintable() is false for these (approximately: controls, format characters,
// separators other than the space); repr() escapes them.
bool python_unprintable(uint32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
           (cp >= 0x205F && cp <= 0x2064) || cp == 0x3000 || cp == 0xFEFF;
}

void append_string_repr(std::string& out, std::string_view text) {
    const bool has_single = text.find('\'') != std::string_view::npos;
    const bool has_double = text.find('"') != std::string_view::npos;
    const char quote = has_single && !has_double ? '"' : '\'';
    out += quote;
    for (size_t offset = 0; offset < text.size();) {
        const utf8::Decoded unit = utf8::decode(text, offset);
        const uint32_t cp = unit.code_point;
        if (cp == utf8::kInvalid) {
            out.append(text.substr(offset, unit.length));
        } else if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
            out += '\\';
            out += static_cast<char>(cp);
        } else if (cp == '\n') {
            out += "\\n";
        } else if (cp == '\r') {
            out += "\\r";
        } else if (cp == '\t') {
            out += "\\t";
        } else if (python_unprintable(cp)) {
            if (cp <= 0xFF) {
                append_hex_escape(out, "\\x", cp, 2);
            } else {
                append_hex_escape(out, "\\u", cp, 4);
            }
        } else {
            out.append(text.substr(offset, unit.length));
        }
        offset += unit.length;
    }
    out += quote;
}

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    for (char ch : text) {
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (static_cast<unsigned char>(ch) < 0x20) {
                    append_hex_escape(out, "\\u", static_cast<unsigned char>(ch), 4);
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

void append_newline_indent(std::string& out, int indent, int level) {
    out += '\n';
    out.append(static_cast<size_t>(indent) * static_cast<size_t>(level), ' ');
}

JsonResult append_json_at(std::string& out, const Value& value, int indent, bool sort_keys,
                          int level, size_t max_bytes) {
    if (out.size() > max_bytes) return JsonResult::kTooLarge;
    switch (value.kind()) {
        case Value::Kind::kUndefined:
        case Value::Kind::kNamespace:
        case Value::Kind::kMacro:
            return JsonResult::kNotSerializable;
        case Value::Kind::kNone:
            out += "null";
            return JsonResult::kOk;
        case Value::Kind::kBool:
            out += value.as_bool() ? "true" : "false";
            return JsonResult::kOk;
        case Value::Kind::kInt:
            out += std::to_string(value.as_int());
            return JsonResult::kOk;
        case Value::Kind::kFloat: {
            const double number = value.as_double();
            if (std::isnan(number)) {
                out += "NaN";
            } else if (std::isinf(number)) {
                out += number > 0 ? "Infinity" : "-Infinity";
            } else {
                out += float_repr(number);
            }
            return JsonResult::kOk;
        }
        case Value::Kind::kString:
            append_json_string(out, value.as_string());
            return out.size() > max_bytes ? JsonResult::kTooLarge : JsonResult::kOk;
        case Value::Kind::kList: {
            const auto& items = value.as_list();
            if (items.empty()) {
                out += "[]";
                return JsonResult::kOk;
            }
            out += '[';
            for (size_t idx = 0; idx < items.size(); ++idx) {
                if (idx > 0) out += indent >= 0 ? "," : ", ";
                if (indent >= 0) append_newline_indent(out, indent, level + 1);
                const JsonResult result =
                    append_json_at(out, items[idx], indent, sort_keys, level + 1, max_bytes);
                if (result != JsonResult::kOk) return result;
            }
            if (indent >= 0) append_newline_indent(out, indent, level);
            out += ']';
            return JsonResult::kOk;
        }
        case Value::Kind::kDict: {
            const auto& items = value.as_dict().items;
            if (items.empty()) {
                out += "{}";
                return JsonResult::kOk;
            }
            std::vector<const std::pair<std::string, Value>*> order;
            order.reserve(items.size());
            for (const auto& item : items) order.push_back(&item);
            if (sort_keys) {
                std::sort(order.begin(), order.end(),
                          [](const auto* a, const auto* b) { return a->first < b->first; });
            }
            out += '{';
            for (size_t idx = 0; idx < order.size(); ++idx) {
                if (idx > 0) out += indent >= 0 ? "," : ", ";
                if (indent >= 0) append_newline_indent(out, indent, level + 1);
                append_json_string(out, order[idx]->first);
                out += ": ";
                const JsonResult result = append_json_at(out, order[idx]->second, indent, sort_keys,
                                                         level + 1, max_bytes);
                if (result != JsonResult::kOk) return result;
            }
            if (indent >= 0) append_newline_indent(out, indent, level);
            out += '}';
            return JsonResult::kOk;
        }
    }
    return JsonResult::kNotSerializable;
}

}  // namespace

const Value* DictData::find(std::string_view key) const {
    for (const auto& [name, value] : items)
        if (name == key) return &value;
    return nullptr;
}

Value Value::list(std::vector<Value> items, bool is_tuple) {
    auto data = std::make_shared<ListData>();
    data->is_tuple = is_tuple;
    data->depth = container_depth(items);
    for (const Value& item : items)
        data->has_namespace = data->has_namespace || item.has_namespace();
    data->items = std::move(items);
    return Value(Data(ListPtr(std::move(data))));
}

Value Value::dict(std::vector<std::pair<std::string, Value>> items) {
    auto data = std::make_shared<DictData>();
    data->items.reserve(items.size());
    int deepest = 0;
    for (auto& item : items) {
        deepest = std::max(deepest, item.second.depth());
        data->has_namespace = data->has_namespace || item.second.has_namespace();
        const std::string& key = item.first;
        auto existing = std::find_if(data->items.begin(), data->items.end(),
                                     [&](const auto& present) { return present.first == key; });
        if (existing != data->items.end()) {
            existing->second = std::move(item.second);
        } else {
            data->items.push_back(std::move(item));
        }
    }
    data->depth = deepest + 1;
    return Value(Data(DictPtr(std::move(data))));
}

Value Value::make_namespace(DictData attributes) {
    auto data = std::make_shared<NamespaceData>();
    data->attributes = std::move(attributes);
    return Value(Data(NamespacePtr(std::move(data))));
}

int64_t Value::as_int() const {
    if (is_bool()) return as_bool() ? 1 : 0;
    return std::get<int64_t>(data_);
}

double Value::as_double() const {
    if (is_float()) return std::get<double>(data_);
    return static_cast<double>(as_int());
}

int Value::depth() const {
    switch (kind()) {
        case Kind::kList:
            return std::get<ListPtr>(data_)->depth;
        case Kind::kDict:
            return std::get<DictPtr>(data_)->depth;
        case Kind::kNamespace: {
            int deepest = 0;
            for (const auto& item : as_namespace().attributes.items)
                deepest = std::max(deepest, item.second.depth());
            return deepest + 1;
        }
        default:
            return 0;
    }
}

bool Value::has_namespace() const {
    switch (kind()) {
        case Kind::kList:
            return std::get<ListPtr>(data_)->has_namespace;
        case Kind::kDict:
            return std::get<DictPtr>(data_)->has_namespace;
        case Kind::kNamespace:
            return true;
        default:
            return false;
    }
}

bool Value::truthy() const {
    switch (kind()) {
        case Kind::kUndefined:
        case Kind::kNone:
            return false;
        case Kind::kBool:
            return as_bool();
        case Kind::kInt:
            return as_int() != 0;
        case Kind::kFloat:
            return as_double() != 0.0;
        case Kind::kString:
            return !as_string().empty();
        case Kind::kList:
            return !as_list().empty();
        case Kind::kDict:
            return !as_dict().items.empty();
        case Kind::kNamespace:
        case Kind::kMacro:
            return true;
    }
    return false;
}

const char* Value::type_name() const {
    switch (kind()) {
        case Kind::kUndefined:
            return "Undefined";
        case Kind::kNone:
            return "NoneType";
        case Kind::kBool:
            return "bool";
        case Kind::kInt:
            return "int";
        case Kind::kFloat:
            return "float";
        case Kind::kString:
            return "str";
        case Kind::kList:
            return "list";
        case Kind::kDict:
            return "dict";
        case Kind::kNamespace:
            return "Namespace";
        case Kind::kMacro:
            return "Macro";
    }
    return "object";
}

const void* Value::identity() const {
    switch (kind()) {
        case Kind::kString:
            return std::get<StringPtr>(data_).get();
        case Kind::kList:
            return std::get<ListPtr>(data_).get();
        case Kind::kDict:
            return std::get<DictPtr>(data_).get();
        case Kind::kNamespace:
            return std::get<NamespacePtr>(data_).get();
        case Kind::kMacro:
            return std::get<MacroRef>(data_).node;
        default:
            return nullptr;
    }
}

std::string float_repr(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buf[64];
    const auto result = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
    const std::string_view text(buf, static_cast<size_t>(result.ptr - buf));
    // text: [-]d[.ddd]e(+|-)XX
    std::string out;
    size_t pos = 0;
    if (text[0] == '-') {
        out += '-';
        pos = 1;
    }
    const size_t e_pos = text.find('e');
    std::string digits;
    for (size_t idx = pos; idx < e_pos; ++idx)
        if (text[idx] != '.') digits += text[idx];
    int exponent = 0;
    std::from_chars(text.data() + e_pos + (text[e_pos + 1] == '+' ? 2 : 1),
                    text.data() + text.size(), exponent);
    const int decpt = exponent + 1;  // value = 0.DIGITS * 10^decpt
    const int n_digits = static_cast<int>(digits.size());
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            out += "0.";
            out.append(static_cast<size_t>(-decpt), '0');
            out += digits;
        } else if (decpt >= n_digits) {
            out += digits;
            out.append(static_cast<size_t>(decpt - n_digits), '0');
            out += ".0";
        } else {
            out += digits.substr(0, static_cast<size_t>(decpt));
            out += '.';
            out += digits.substr(static_cast<size_t>(decpt));
        }
        return out;
    }
    out += digits[0];
    if (n_digits > 1) {
        out += '.';
        out += digits.substr(1);
    }
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    out += exp_buf;
    return out;
}

bool append_repr(std::string& out, const Value& value, size_t max_bytes) {
    if (out.size() > max_bytes) return false;
    switch (value.kind()) {
        case Value::Kind::kUndefined:
            out += "Undefined";
            break;
        case Value::Kind::kNone:
            out += "None";
            break;
        case Value::Kind::kBool:
            out += value.as_bool() ? "True" : "False";
            break;
        case Value::Kind::kInt:
            out += std::to_string(value.as_int());
            break;
        case Value::Kind::kFloat:
            out += float_repr(value.as_double());
            break;
        case Value::Kind::kString:
            append_string_repr(out, value.as_string());
            break;
        case Value::Kind::kList: {
            const bool tuple = value.is_tuple();
            out += tuple ? '(' : '[';
            bool first = true;
            for (const Value& item : value.as_list()) {
                if (!first) out += ", ";
                first = false;
                if (!append_repr(out, item, max_bytes)) return false;
            }
            if (tuple && value.as_list().size() == 1) out += ',';
            out += tuple ? ')' : ']';
            break;
        }
        case Value::Kind::kDict:
        case Value::Kind::kNamespace: {
            const DictData& dict =
                value.is_dict() ? value.as_dict() : value.as_namespace().attributes;
            if (value.is_namespace()) out += "<Namespace ";
            out += '{';
            bool first = true;
            for (const auto& [key, item] : dict.items) {
                if (!first) out += ", ";
                first = false;
                append_string_repr(out, key);
                out += ": ";
                if (!append_repr(out, item, max_bytes)) return false;
            }
            out += '}';
            if (value.is_namespace()) out += '>';
            break;
        }
        case Value::Kind::kMacro:
            out += "<Macro '";
            out += value.as_macro().name;
            out += "'>";
            break;
    }
    return out.size() <= max_bytes;
}

bool append_str(std::string& out, const Value& value, size_t max_bytes) {
    if (value.is_undefined()) return true;
    if (value.is_string()) {
        if (out.size() + value.as_string().size() > max_bytes) return false;
        out += value.as_string();
        return true;
    }
    return append_repr(out, value, max_bytes);
}

std::string repr(const Value& value) {
    std::string out;
    (void)append_repr(out, value, SIZE_MAX);
    return out;
}

std::string to_str(const Value& value) {
    std::string out;
    (void)append_str(out, value, SIZE_MAX);
    return out;
}

JsonResult append_json(std::string& out, const Value& value, int indent, bool sort_keys,
                       size_t max_bytes) {
    const JsonResult result = append_json_at(out, value, indent, sort_keys, 0, max_bytes);
    if (result == JsonResult::kOk && out.size() > max_bytes) return JsonResult::kTooLarge;
    return result;
}

bool equals(const Value& lhs, const Value& rhs, WorkMeter& meter) {
    ++meter.used;
    if (meter.exhausted()) return false;
    if (lhs.is_number() && rhs.is_number()) {
        if (lhs.is_float() || rhs.is_float()) return lhs.as_double() == rhs.as_double();
        return lhs.as_int() == rhs.as_int();
    }
    if (lhs.kind() != rhs.kind()) return false;
    switch (lhs.kind()) {
        case Value::Kind::kUndefined:
        case Value::Kind::kNone:
            return true;
        case Value::Kind::kString:
            meter.used += lhs.as_string().size() / 64;
            return lhs.as_string() == rhs.as_string();
        case Value::Kind::kList: {
            if (lhs.identity() == rhs.identity()) return true;
            const auto& a = lhs.as_list();
            const auto& b = rhs.as_list();
            if (a.size() != b.size()) return false;
            for (size_t idx = 0; idx < a.size(); ++idx)
                if (!equals(a[idx], b[idx], meter)) return false;
            return true;
        }
        case Value::Kind::kDict: {
            const auto& a = lhs.as_dict();
            const auto& b = rhs.as_dict();
            if (a.items.size() != b.items.size()) return false;
            for (const auto& [key, value] : a.items) {
                const Value* other = b.find(key);
                meter.used += a.items.size() / 8;
                if (other == nullptr || !equals(value, *other, meter)) return false;
            }
            return true;
        }
        case Value::Kind::kNamespace:
        case Value::Kind::kMacro:
            return lhs.identity() == rhs.identity();
        default:
            return false;
    }
}

std::optional<Order> compare(const Value& lhs, const Value& rhs, WorkMeter& meter) {
    ++meter.used;
    if (meter.exhausted()) return Order::kEqual;
    auto order_of = [](auto a, auto b) {
        return a < b ? Order::kLess : (b < a ? Order::kGreater : Order::kEqual);
    };
    if (lhs.is_number() && rhs.is_number()) {
        if (lhs.is_float() || rhs.is_float()) {
            const double a = lhs.as_double();
            const double b = rhs.as_double();
            if (std::isnan(a) || std::isnan(b)) return Order::kEqual;  // every comparison false
            return order_of(a, b);
        }
        return order_of(lhs.as_int(), rhs.as_int());
    }
    if (lhs.is_string() && rhs.is_string()) {
        meter.used += std::min(lhs.as_string().size(), rhs.as_string().size()) / 64;
        return order_of(lhs.as_string(), rhs.as_string());
    }
    if (lhs.is_list() && rhs.is_list()) {
        const auto& a = lhs.as_list();
        const auto& b = rhs.as_list();
        for (size_t idx = 0; idx < a.size() && idx < b.size(); ++idx) {
            if (equals(a[idx], b[idx], meter)) continue;
            if (meter.exhausted()) return Order::kEqual;
            return compare(a[idx], b[idx], meter);
        }
        return order_of(a.size(), b.size());
    }
    return std::nullopt;
}

std::vector<size_t> code_point_offsets(std::string_view text) {
    std::vector<size_t> offsets;
    offsets.reserve(text.size());
    for (size_t offset = 0; offset < text.size(); offset += utf8::decode(text, offset).length)
        offsets.push_back(offset);
    return offsets;
}

size_t code_point_count(std::string_view text) {
    size_t count = 0;
    for (size_t offset = 0; offset < text.size(); offset += utf8::decode(text, offset).length)
        ++count;
    return count;
}

bool is_python_space(std::string_view text, size_t offset, size_t* length) {
    const unsigned char first = static_cast<unsigned char>(text[offset]);
    if (first < 0x80) {
        *length = 1;
        return (first >= 0x09 && first <= 0x0D) || (first >= 0x1C && first <= 0x20);
    }
    const utf8::Decoded unit = utf8::decode(text, offset);
    *length = unit.length;
    const uint32_t cp = unit.code_point;
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

std::string_view python_strip(std::string_view text, bool left, bool right) {
    size_t begin = 0;
    size_t end = text.size();
    if (left) {
        size_t length = 0;
        while (begin < end && is_python_space(text, begin, &length)) begin += length;
    }
    if (right) {
        // Walk forward remembering where the trailing run of spaces starts.
        size_t trailing = end;
        size_t offset = begin;
        bool in_run = false;
        while (offset < end) {
            size_t length = 0;
            const bool space = is_python_space(text, offset, &length);
            if (space && !in_run) trailing = offset;
            in_run = space;
            offset += length;
        }
        end = in_run ? trailing : end;
    }
    return text.substr(begin, end - begin);
}

}  // namespace hearth::text::jinja
