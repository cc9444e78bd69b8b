// The values a chat template computes with, modelled on the Python objects Jinja2 hands around:
// undefined, None, bool, int, float, str, list, dict and namespace(). Strings, lists and dicts are
// immutable and shared (copying a Value is cheap); a namespace is the one mutable object
// ({% set ns.x = ... %}), and it may not hold another namespace, so values never form cycles.
// Containers record their nesting depth, which the evaluator bounds, so every recursive walk
// here (printing, JSON, equality) is bounded.
//
// Printing follows Python: str() of a list is its repr ("['a', 1]"), floats print as Python's
// repr ("1.0", "1e+16"), True/False/None capitalised; to_json() follows json.dumps as Hugging
// Face's chat templates call it (ensure_ascii=False, insertion order).
// Strings are indexed by code point as Python does (ill-formed UTF-8 bytes count one each).
// Values belong to one render on one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hearth::text::jinja {

class Value;

struct ListData {
    std::vector<Value> items;
    int depth = 1;
    bool has_namespace = false;
    bool is_tuple = false;  // prints as (a, b) (a tuple literal, a dict item pair)
};

struct DictData {
    std::vector<std::pair<std::string, Value>> items;  // insertion order, unique keys
    int depth = 1;
    bool has_namespace = false;

    const Value* find(std::string_view key) const;
};

struct NamespaceData {
    DictData attributes;
};

struct MacroRef {
    const void* node = nullptr;  // the jinja::Node defining it (owned by the parsed template)
    std::string_view name;
};

struct Undefined {
    std::string_view name;  // what was looked up, for error messages ("" if unknown)
};
struct None {};

class Value {
public:
    enum class Kind : uint8_t {
        kUndefined,
        kNone,
        kBool,
        kInt,
        kFloat,
        kString,
        kList,
        kDict,
        kNamespace,
        kMacro,  // a {% macro %} of the template being rendered
    };

    Value() : data_(Undefined{}) {}
    static Value undefined(std::string_view name) { return Value(Data(Undefined{name})); }
    static Value none() { return Value(Data(None{})); }
    static Value boolean(bool value) { return Value(Data(value)); }
    static Value integer(int64_t value) { return Value(Data(value)); }
    static Value number(double value) { return Value(Data(value)); }
    static Value string(std::string value) {
        return Value(Data(std::make_shared<const std::string>(std::move(value))));
    }
    static Value list(std::vector<Value> items, bool is_tuple = false);
    // Keys must be unique; a later duplicate replaces the earlier value in place (as Python).
    static Value dict(std::vector<std::pair<std::string, Value>> items);
    static Value make_namespace(DictData attributes);
    static Value macro(MacroRef ref) { return Value(Data(ref)); }

    Kind kind() const { return static_cast<Kind>(data_.index()); }
    bool is_undefined() const { return kind() == Kind::kUndefined; }
    bool is_none() const { return kind() == Kind::kNone; }
    bool is_bool() const { return kind() == Kind::kBool; }
    bool is_int() const { return kind() == Kind::kInt; }
    bool is_float() const { return kind() == Kind::kFloat; }
    bool is_number() const {
        return is_int() || is_float() || is_bool();
    }  // Python: bool is an int
    bool is_string() const { return kind() == Kind::kString; }
    bool is_list() const { return kind() == Kind::kList; }
    bool is_dict() const { return kind() == Kind::kDict; }
    bool is_namespace() const { return kind() == Kind::kNamespace; }
    bool is_macro() const { return kind() == Kind::kMacro; }

    bool as_bool() const { return std::get<bool>(data_); }
    int64_t as_int() const;    // int or bool
    double as_double() const;  // any number
    const std::string& as_string() const { return *std::get<StringPtr>(data_); }
    const std::vector<Value>& as_list() const { return std::get<ListPtr>(data_)->items; }
    bool is_tuple() const { return std::get<ListPtr>(data_)->is_tuple; }
    const DictData& as_dict() const { return *std::get<DictPtr>(data_); }
    NamespaceData& as_namespace() const { return *std::get<NamespacePtr>(data_); }
    std::string_view undefined_name() const { return std::get<Undefined>(data_).name; }
    const MacroRef& as_macro() const { return std::get<MacroRef>(data_); }

    // Nesting depth: 0 for scalars, 1 + the deepest element for containers.
    int depth() const;
    // Whether this value is or contains a namespace.
    bool has_namespace() const;
    // Python truthiness.
    bool truthy() const;
    // Python's type name ("str", "int", "NoneType", ...), for error messages.
    const char* type_name() const;
    // Identity of the shared object (namespaces compare by identity).
    const void* identity() const;

private:
    using StringPtr = std::shared_ptr<const std::string>;
    using ListPtr = std::shared_ptr<const ListData>;
    using DictPtr = std::shared_ptr<const DictData>;
    using NamespacePtr = std::shared_ptr<NamespaceData>;
    using Data = std::variant<Undefined, None, bool, int64_t, double, StringPtr, ListPtr, DictPtr,
                              NamespacePtr, MacroRef>;
    explicit Value(Data data) : data_(std::move(data)) {}

    Data data_;
};

// Counts the work of a comparison (one unit per element, one per 64 bytes of string compared)
// and stops it once `limit` is passed: shared values can make a walk far larger than memory.
struct WorkMeter {
    uint64_t used = 0;
    uint64_t limit = UINT64_MAX;
    bool exhausted() const { return used > limit; }
};

// Python str(value) appended to `out` (undefined prints as ""); false, with `out` holding a
// prefix, once `out` would pass `max_bytes`.
bool append_str(std::string& out, const Value& value, size_t max_bytes);
// Python repr(value), bounded the same way (undefined: "Undefined", as Jinja2 prints it in a
// list).
bool append_repr(std::string& out, const Value& value, size_t max_bytes);
// Unbounded conveniences for small values (tests, error messages).
std::string repr(const Value& value);
std::string to_str(const Value& value);
// Python repr of a float ("1.0", "0.1", "1e+16", "inf", "nan").
std::string float_repr(double value);

// json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sort_keys); indent < 0: none.
enum class JsonResult { kOk, kNotSerializable, kTooLarge };
JsonResult append_json(std::string& out, const Value& value, int indent, bool sort_keys,
                       size_t max_bytes);

// Python ==; false with meter.exhausted() set when the meter ran out.
bool equals(const Value& lhs, const Value& rhs, WorkMeter& meter);
// Python's ordering (<), for numbers, strings and lists of those; nullopt where Python raises
// TypeError ("'<' not supported between instances of 'str' and 'int'").
enum class Order { kLess, kEqual, kGreater };
std::optional<Order> compare(const Value& lhs, const Value& rhs, WorkMeter& meter);

// Code points of a string (ill-formed UTF-8 bytes count one each): byte offsets of each.
std::vector<size_t> code_point_offsets(std::string_view text);
size_t code_point_count(std::string_view text);

// Python's str.isspace() for the code point starting at text[offset]; sets *length to its bytes.
bool is_python_space(std::string_view text, size_t offset, size_t* length);
// Python str.strip()/lstrip()/rstrip() without arguments (Unicode whitespace).
std::string_view python_strip(std::string_view text, bool left, bool right);

}  // namespace hearth::text::jinja
