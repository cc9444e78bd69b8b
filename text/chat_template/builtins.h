// The library a chat template can call: filters (x | trim), tests (x is defined), methods of
// strings and dicts (x.strip(), d.get('k')) and global functions (range, namespace,
// raise_exception, strftime_now, dict). Each follows the Python / Jinja2 function it is named
// after, including its errors; every string or list it builds is charged to the render's budget
// through Runtime, so no call can allocate without bound.
// Filters and tests are looked up by name when the template is parsed (an unknown one is a
// syntax error there, as in Jinja2); methods and globals when they are called.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "text/chat_template/value.h"

namespace hearth::text::jinja {

struct CallArgs {
    std::vector<Value> positional;
    std::vector<std::pair<std::string_view, Value>> keyword;
};

// What builtins need from the evaluator that runs them.
class Runtime {
public:
    virtual ~Runtime() = default;
    // Charges `units` of work (about one per element touched, one per 64 bytes built); throws
    // TemplateError (kRender) at `offset` once the render's budget is spent.
    virtual void charge(size_t units, size_t offset) = 0;
    // Throws TemplateError (kRender) if a string of `bytes` or a list of `items` is too large.
    virtual void check_string_size(size_t bytes, size_t offset) = 0;
    virtual void check_list_size(size_t items, size_t offset) = 0;
    virtual uint64_t remaining_work() const = 0;
    virtual size_t max_string_bytes() const = 0;
};

using FilterFn = Value (*)(Runtime& runtime, const Value& input, const CallArgs& args,
                           size_t offset);
using TestFn = bool (*)(Runtime& runtime, const Value& input, const CallArgs& args, size_t offset);

struct FilterSpec {
    std::string_view name;
    FilterFn fn;
};

struct TestSpec {
    std::string_view name;
    TestFn fn;
};

// nullptr if there is no filter / test of that name.
const FilterSpec* find_filter(std::string_view name);
const TestSpec* find_test(std::string_view name);

// object.name as Jinja2 resolves it for data: a dict's key, a namespace's attribute;
// undefined when absent. Throws on an undefined object ("'x' is undefined").
Value get_attribute(const Value& object, std::string_view name, size_t offset);
// object[key]: list or string index (negative from the end), dict key; undefined when absent.
Value get_item(const Value& object, const Value& key, size_t offset);

// object.name(args): str and dict methods. Throws for an unknown method.
Value call_method(Runtime& runtime, const Value& object, std::string_view name,
                  const CallArgs& args, size_t offset);

// Whether `name` is a global function, and calling it. raise_exception throws TemplateError
// (kRaised) with the template's message.
bool is_global_function(std::string_view name);
Value call_global(Runtime& runtime, std::string_view name, const CallArgs& args, size_t offset);

// The elements a for loop visits: a list's items, a dict's keys, a string's characters; nothing
// for undefined. Throws for anything else ("'int' object is not iterable").
std::vector<Value> iterate(Runtime& runtime, const Value& value, size_t offset);

// Python str(value), checked against the string limit.
std::string to_output(Runtime& runtime, const Value& value, size_t offset);
// Python ==, `in` and ordering, with their work charged; ordering throws TypeError-like errors
// for values Python cannot order.
bool values_equal(Runtime& runtime, const Value& lhs, const Value& rhs, size_t offset);
bool contains(Runtime& runtime, const Value& container, const Value& item, size_t offset);
Order values_order(Runtime& runtime, const Value& lhs, const Value& rhs, size_t offset);

}  // namespace hearth::text::jinja
