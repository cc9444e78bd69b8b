#include "text/chat_template/evaluator.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "text/chat_template/builtins.h"
#include "text/chat_template/syntax_error.h"

namespace hearth::text::jinja {
namespace {

constexpr TemplateError::Kind kRender = TemplateError::Kind::kRender;
constexpr TemplateError::Kind kLimit = TemplateError::Kind::kLimit;

enum class Flow { kNormal, kBreak, kContinue };

using Scope = std::vector<std::pair<std::string, Value>>;

class Evaluator final : public Runtime {
public:
    Evaluator(const Globals& globals, const ChatTemplateLimits& limits) : limits_(limits) {
        scopes_.push_back(globals);
        scopes_.emplace_back();  // the template's own top-level scope
    }

    std::string run(const NodeList& nodes) {
        (void)exec_nodes(nodes);
        return std::move(out_);
    }

    // ---- Runtime ------------------------------------------------------------------------
    void charge(size_t units, size_t offset) override {
        work_ += units;
        if (work_ > limits_.max_work) {
            fail(kLimit, offset,
                 fmt::format("rendering took more than {} steps (a runaway loop?)",
                             limits_.max_work));
        }
    }
    void check_string_size(size_t bytes, size_t offset) override {
        if (bytes > limits_.max_output_bytes) {
            fail(kLimit, offset,
                 fmt::format("a string grew past the limit of {} bytes", limits_.max_output_bytes));
        }
    }
    void check_list_size(size_t items, size_t offset) override {
        if (items > limits_.max_list_items) {
            fail(kLimit, offset,
                 fmt::format("a list grew past the limit of {} items", limits_.max_list_items));
        }
    }
    uint64_t remaining_work() const override {
        return work_ >= limits_.max_work ? 0 : limits_.max_work - work_;
    }
    size_t max_string_bytes() const override { return limits_.max_output_bytes; }

private:
    // ---- scopes -------------------------------------------------------------------------
    const Value* lookup(std::string_view name) const {
        for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope)
            for (const auto& [key, value] : *scope)
                if (key == name) return &value;
        return nullptr;
    }

    void assign(const std::string& name, Value value) {
        Scope& scope = scopes_.back();
        for (auto& [key, existing] : scope) {
            if (key == name) {
                existing = std::move(value);
                return;
            }
        }
        scope.emplace_back(name, std::move(value));
    }

    void assign_targets(const std::vector<std::string>& targets, const Value& value,
                        size_t offset) {
        if (targets.size() == 1) {
            assign(targets[0], value);
            return;
        }
        const std::vector<Value> items = iterate(*this, value, offset);
        if (items.size() != targets.size()) {
            fail(
                kRender, offset,
                fmt::format("cannot unpack {} values into {} names", items.size(), targets.size()));
        }
        for (size_t idx = 0; idx < targets.size(); ++idx) assign(targets[idx], items[idx]);
    }

    Value checked(Value value, size_t offset) {
        if (value.depth() > limits_.max_value_depth) {
            fail(kLimit, offset,
                 fmt::format("values nested more than {} deep", limits_.max_value_depth));
        }
        if (value.is_list()) check_list_size(value.as_list().size(), offset);
        return value;
    }

    void emit(std::string_view text, size_t offset) {
        charge(text.size() / 64 + 1, offset);
        if (out_.size() + text.size() > limits_.max_output_bytes) {
            fail(kLimit, offset,
                 fmt::format("the rendered text grew past the limit of {} bytes",
                             limits_.max_output_bytes));
        }
        out_ += text;
    }

    // ---- statements ---------------------------------------------------------------------
    Flow exec_nodes(const NodeList& nodes) {
        for (const auto& node : nodes) {
            const Flow flow = exec(*node);
            if (flow != Flow::kNormal) return flow;
        }
        return Flow::kNormal;
    }

    Flow exec(const Node& node) {
        charge(1, node.offset);
        switch (node.kind) {
            case NodeKind::kText:
                emit(node.text, node.offset);
                return Flow::kNormal;
            case NodeKind::kOutput: {
                const Value value = eval(*node.expr);
                if (value.is_string()) {
                    emit(value.as_string(), node.offset);
                } else {
                    emit(to_output(*this, value, node.offset), node.offset);
                }
                return Flow::kNormal;
            }
            case NodeKind::kIf:
                for (const auto& [condition, body] : node.branches)
                    if (eval(*condition).truthy()) return exec_nodes(body);
                return exec_nodes(node.else_body);
            case NodeKind::kFor:
                return exec_for(node);
            case NodeKind::kSet:
                exec_set(node);
                return Flow::kNormal;
            case NodeKind::kSetBlock: {
                std::string captured;
                std::swap(captured, out_);
                const Flow flow = exec_nodes(node.body);
                std::swap(captured, out_);
                assign(node.targets[0], Value::string(std::move(captured)));
                return flow;
            }
            case NodeKind::kMacro:
                assign(node.targets[0], Value::macro(MacroRef{&node, node.targets[0]}));
                return Flow::kNormal;
            case NodeKind::kBreak:
                return Flow::kBreak;
            case NodeKind::kContinue:
                return Flow::kContinue;
        }
        return Flow::kNormal;
    }

    void exec_set(const Node& node) {
        Value value = checked(eval(*node.expr), node.offset);
        if (node.attribute.empty()) {
            assign_targets(node.targets, value, node.offset);
            return;
        }
        const Value* target = lookup(node.targets[0]);
        if (target == nullptr || !target->is_namespace()) {
            fail(kRender, node.offset,
                 fmt::format("cannot assign attribute '{}' of '{}': it is not a namespace",
                             node.attribute, node.targets[0]));
        }
        if (value.has_namespace()) {
            fail(kRender, node.offset, "a namespace cannot hold another namespace");
        }
        if (value.depth() + 1 > limits_.max_value_depth) {
            fail(kLimit, node.offset,
                 fmt::format("values nested more than {} deep", limits_.max_value_depth));
        }
        DictData& attributes = target->as_namespace().attributes;
        for (auto& [key, existing] : attributes.items) {
            if (key == node.attribute) {
                existing = std::move(value);
                return;
            }
        }
        attributes.items.emplace_back(node.attribute, std::move(value));
    }

    Flow exec_for(const Node& node) {
        const Value iterable = eval(*node.expr);
        std::vector<Value> items = iterate(*this, iterable, node.offset);
        if (node.filter) {
            std::vector<Value> kept;
            for (Value& item : items) {
                charge(1, node.offset);
                scopes_.emplace_back();
                assign_targets(node.targets, item, node.offset);
                const bool keep = eval(*node.filter).truthy();
                scopes_.pop_back();
                if (keep) kept.push_back(std::move(item));
            }
            items = std::move(kept);
        }
        // Jinja2 runs the else block unless some iteration reached the end of the body
        // (an iteration left by break or continue does not count).
        bool completed_any = false;
        const int64_t length = static_cast<int64_t>(items.size());
        for (int64_t idx = 0; idx < length; ++idx) {
            charge(8, node.offset);  // a scope and the loop object: about eight steps' time
            scopes_.emplace_back();
            const size_t at = static_cast<size_t>(idx);
            assign("loop",
                   Value::dict({
                       {"index", Value::integer(idx + 1)},
                       {"index0", Value::integer(idx)},
                       {"revindex", Value::integer(length - idx)},
                       {"revindex0", Value::integer(length - idx - 1)},
                       {"first", Value::boolean(idx == 0)},
                       {"last", Value::boolean(idx == length - 1)},
                       {"length", Value::integer(length)},
                       {"previtem", idx > 0 ? items[at - 1] : Value::undefined("loop.previtem")},
                       {"nextitem",
                        idx + 1 < length ? items[at + 1] : Value::undefined("loop.nextitem")},
                   }));
            assign_targets(node.targets, items[at], node.offset);
            const Flow flow = exec_nodes(node.body);
            scopes_.pop_back();
            if (flow == Flow::kNormal) completed_any = true;
            if (flow == Flow::kBreak) break;
        }
        if (!completed_any) return exec_nodes(node.else_body);
        return Flow::kNormal;
    }

    // ---- expressions --------------------------------------------------------------------
    CallArgs eval_args(const Expr& expr, size_t first) {
        CallArgs args;
        for (size_t idx = first; idx < expr.args.size(); ++idx)
            args.positional.push_back(eval(*expr.args[idx]));
        for (const auto& [key, value] : expr.kwargs) args.keyword.emplace_back(key, eval(*value));
        return args;
    }

    Value eval(const Expr& expr) {
        charge(1, expr.offset);
        switch (expr.kind) {
            case ExprKind::kLiteral:
                return expr.literal;
            case ExprKind::kName: {
                if (const Value* value = lookup(expr.name)) return *value;
                return Value::undefined(expr.name);
            }
            case ExprKind::kList: {
                std::vector<Value> items;
                items.reserve(expr.args.size());
                for (const auto& arg : expr.args) items.push_back(eval(*arg));
                return checked(Value::list(std::move(items), expr.name == "tuple"), expr.offset);
            }
            case ExprKind::kDict: {
                std::vector<std::pair<std::string, Value>> items;
                for (size_t idx = 0; idx + 1 < expr.args.size(); idx += 2) {
                    const Value key = eval(*expr.args[idx]);
                    if (!key.is_string()) {
                        fail(kRender, expr.args[idx]->offset,
                             fmt::format("dict keys must be strings, not '{}'", key.type_name()));
                    }
                    items.emplace_back(key.as_string(), eval(*expr.args[idx + 1]));
                }
                return checked(Value::dict(std::move(items)), expr.offset);
            }
            case ExprKind::kGetAttr:
                return get_attribute(eval(*expr.args[0]), expr.name, expr.offset);
            case ExprKind::kGetItem: {
                const Value object = eval(*expr.args[0]);
                return get_item(object, eval(*expr.args[1]), expr.offset);
            }
            case ExprKind::kSlice:
                return eval_slice(expr);
            case ExprKind::kCall:
                return eval_call(expr);
            case ExprKind::kFilter: {
                const Value input = eval(*expr.args[0]);
                const CallArgs args = eval_args(expr, 1);
                return checked(expr.filter->fn(*this, input, args, expr.offset), expr.offset);
            }
            case ExprKind::kTest: {
                const Value input = eval(*expr.args[0]);
                const CallArgs args = eval_args(expr, 1);
                return Value::boolean(expr.test->fn(*this, input, args, expr.offset) !=
                                      expr.negated);
            }
            case ExprKind::kNeg:
            case ExprKind::kPos: {
                const Value operand = eval(*expr.args[0]);
                if (!operand.is_number()) {
                    fail(kRender, expr.offset,
                         fmt::format("bad operand type for unary {}: '{}'",
                                     expr.kind == ExprKind::kNeg ? '-' : '+', operand.type_name()));
                }
                if (expr.kind == ExprKind::kPos)
                    return operand.is_bool() ? Value::integer(operand.as_int()) : operand;
                if (operand.is_float()) return Value::number(-operand.as_double());
                if (operand.as_int() == std::numeric_limits<int64_t>::min()) overflow(expr.offset);
                return Value::integer(-operand.as_int());
            }
            case ExprKind::kNot:
                return Value::boolean(!eval(*expr.args[0]).truthy());
            case ExprKind::kAnd: {
                Value lhs = eval(*expr.args[0]);
                return lhs.truthy() ? eval(*expr.args[1]) : lhs;
            }
            case ExprKind::kOr: {
                Value lhs = eval(*expr.args[0]);
                return lhs.truthy() ? lhs : eval(*expr.args[1]);
            }
            case ExprKind::kCompare:
                return eval_compare(expr);
            case ExprKind::kCondition:
                if (eval(*expr.args[1]).truthy()) return eval(*expr.args[0]);
                if (expr.args[2]) return eval(*expr.args[2]);
                return Value::undefined({});
            case ExprKind::kBinary: {
                const Value lhs = eval(*expr.args[0]);
                const Value rhs = eval(*expr.args[1]);
                return checked(binary(expr.name, lhs, rhs, expr.offset), expr.offset);
            }
        }
        return Value();
    }

    [[noreturn]] static void overflow(size_t offset) {
        fail(kRender, offset, "integer overflow (values are limited to 64 bits)");
    }

    Value eval_call(const Expr& expr) {
        const Expr& callee = *expr.args[0];
        if (callee.kind == ExprKind::kGetAttr) {
            const Value object = eval(*callee.args[0]);
            const CallArgs args = eval_args(expr, 1);
            return checked(call_method(*this, object, callee.name, args, expr.offset), expr.offset);
        }
        if (callee.kind == ExprKind::kName) {
            if (const Value* value = lookup(callee.name)) {
                if (!value->is_macro()) {
                    fail(kRender, expr.offset, fmt::format("'{}' is not callable", callee.name));
                }
                const MacroRef macro = value->as_macro();
                return call_macro(*static_cast<const Node*>(macro.node), eval_args(expr, 1),
                                  expr.offset);
            }
            if (!is_global_function(callee.name)) {
                fail(kRender, expr.offset, fmt::format("'{}' is undefined", callee.name));
            }
            const CallArgs args = eval_args(expr, 1);
            return checked(call_global(*this, callee.name, args, expr.offset), expr.offset);
        }
        const Value object = eval(callee);
        fail(kRender, expr.offset, fmt::format("'{}' object is not callable", object.type_name()));
    }

    // Renders a macro's body with its parameters bound, in a scope that sees the template's
    // globals and top-level variables but not the caller's loop variables (as Jinja2 does).
    Value call_macro(const Node& macro, CallArgs args, size_t offset) {
        static constexpr int kMaxMacroDepth = 32;
        if (macro_depth_ >= kMaxMacroDepth) {
            fail(kLimit, offset, fmt::format("macros called more than {} deep", kMaxMacroDepth));
        }
        const std::string& name = macro.targets[0];
        if (args.positional.size() > macro.params.size()) {
            fail(kRender, offset,
                 fmt::format("macro '{}' takes not more than {} argument(s)", name,
                             macro.params.size()));
        }
        std::vector<std::optional<Value>> bound(macro.params.size());
        for (size_t idx = 0; idx < args.positional.size(); ++idx) bound[idx] = args.positional[idx];
        for (auto& [key, value] : args.keyword) {
            const auto found = std::find(macro.params.begin(), macro.params.end(), key);
            if (found == macro.params.end()) {
                fail(kRender, offset,
                     fmt::format("macro '{}' takes no keyword argument '{}'", name, key));
            }
            const size_t idx = static_cast<size_t>(found - macro.params.begin());
            if (bound[idx]) {
                fail(kRender, offset,
                     fmt::format("macro '{}' got multiple values for argument '{}'", name, key));
            }
            bound[idx] = std::move(value);
        }
        std::vector<Scope> caller_scopes = std::move(scopes_);
        scopes_ = {caller_scopes[0], caller_scopes[1], Scope{}};
        std::string caller_out;
        std::swap(caller_out, out_);
        ++macro_depth_;
        for (size_t idx = 0; idx < macro.params.size(); ++idx) {
            Value value = bound[idx]            ? std::move(*bound[idx])
                          : macro.defaults[idx] ? eval(*macro.defaults[idx])
                                                : Value::undefined(macro.params[idx]);
            assign(macro.params[idx], std::move(value));
        }
        (void)exec_nodes(macro.body);
        --macro_depth_;
        std::swap(caller_out, out_);
        // Top-level assignments made while the macro ran stay local to it; namespaces are shared.
        scopes_ = std::move(caller_scopes);
        return Value::string(std::move(caller_out));
    }

    Value eval_slice(const Expr& expr) {
        const Value object = eval(*expr.args[0]);
        std::optional<int64_t> parts[3];
        for (int idx = 0; idx < 3; ++idx) {
            const auto& part = expr.args[1 + static_cast<size_t>(idx)];
            if (!part) continue;
            const Value value = eval(*part);
            if (value.is_none()) continue;
            if (!value.is_int() && !value.is_bool()) {
                fail(kRender, expr.offset, "slice indices must be integers or none");
            }
            parts[idx] = value.as_int();
        }
        const int64_t step = parts[2].value_or(1);
        if (step == 0) fail(kRender, expr.offset, "slice step cannot be zero");
        if (object.is_undefined()) get_item(object, Value::integer(0), expr.offset);  // throws
        std::vector<size_t> offsets;
        int64_t length = 0;
        if (object.is_list()) {
            length = static_cast<int64_t>(object.as_list().size());
        } else if (object.is_string()) {
            offsets = code_point_offsets(object.as_string());
            length = static_cast<int64_t>(offsets.size());
        } else {
            return Value::undefined({});
        }
        // PySlice_AdjustIndices.
        auto adjust = [&](std::optional<int64_t> index, int64_t fallback) {
            if (!index) return fallback;
            int64_t value = *index;
            if (value < 0) {
                value += length;
                if (value < 0) value = step < 0 ? -1 : 0;
            } else if (value >= length) {
                value = step < 0 ? length - 1 : length;
            }
            return value;
        };
        const int64_t start = adjust(parts[0], step < 0 ? length - 1 : 0);
        const int64_t stop = adjust(parts[1], step < 0 ? -1 : length);
        std::vector<int64_t> picked;
        for (int64_t idx = start; step > 0 ? idx < stop : idx > stop; idx += step) {
            picked.push_back(idx);
            if ((picked.size() & 1023) == 0) charge(1024, expr.offset);
        }
        if (object.is_list()) {
            std::vector<Value> items;
            items.reserve(picked.size());
            for (int64_t idx : picked) items.push_back(object.as_list()[static_cast<size_t>(idx)]);
            return Value::list(std::move(items), object.is_tuple());
        }
        const std::string& text = object.as_string();
        std::string out;
        for (int64_t idx : picked) {
            const size_t at = static_cast<size_t>(idx);
            const size_t end = at + 1 < offsets.size() ? offsets[at + 1] : text.size();
            out.append(text, offsets[at], end - offsets[at]);
        }
        charge(out.size() / 64, expr.offset);
        return Value::string(std::move(out));
    }

    Value eval_compare(const Expr& expr) {
        Value lhs = eval(*expr.args[0]);
        for (size_t idx = 0; idx < expr.ops.size(); ++idx) {
            Value rhs = eval(*expr.args[idx + 1]);
            const std::string& op = expr.ops[idx];
            bool result = false;
            if (op == "==") {
                result = values_equal(*this, lhs, rhs, expr.offset);
            } else if (op == "!=") {
                result = !values_equal(*this, lhs, rhs, expr.offset);
            } else if (op == "in") {
                result = contains(*this, rhs, lhs, expr.offset);
            } else if (op == "notin") {
                result = !contains(*this, rhs, lhs, expr.offset);
            } else {
                const Order order = values_order(*this, lhs, rhs, expr.offset);
                if (op == "<") result = order == Order::kLess;
                if (op == "<=") result = order != Order::kGreater;
                if (op == ">") result = order == Order::kGreater;
                if (op == ">=") result = order != Order::kLess;
                if (op != "==" && (lhs.is_float() || rhs.is_float()) &&
                    (std::isnan(lhs.as_double()) || std::isnan(rhs.as_double()))) {
                    result = false;
                }
            }
            if (!result) return Value::boolean(false);
            lhs = std::move(rhs);
        }
        return Value::boolean(true);
    }

    [[noreturn]] static void unsupported_operands(std::string_view op, const Value& lhs,
                                                  const Value& rhs, size_t offset) {
        fail(kRender, offset,
             fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", op, lhs.type_name(),
                         rhs.type_name()));
    }

    Value repeat(const Value& sequence, int64_t count, size_t offset) {
        if (count < 0) count = 0;
        if (sequence.is_string()) {
            const std::string& text = sequence.as_string();
            const long double total =
                static_cast<long double>(text.size()) * static_cast<long double>(count);
            check_string_size(static_cast<size_t>(std::min<long double>(total, 1e18L)), offset);
            std::string out;
            out.reserve(static_cast<size_t>(total));
            for (int64_t idx = 0; idx < count; ++idx) out += text;
            charge(out.size() / 64 + 1, offset);
            return Value::string(std::move(out));
        }
        const auto& items = sequence.as_list();
        const long double total =
            static_cast<long double>(items.size()) * static_cast<long double>(count);
        check_list_size(static_cast<size_t>(std::min<long double>(total, 1e18L)), offset);
        std::vector<Value> out;
        out.reserve(static_cast<size_t>(total));
        for (int64_t idx = 0; idx < count; ++idx) out.insert(out.end(), items.begin(), items.end());
        charge(out.size() + 1, offset);
        return Value::list(std::move(out), sequence.is_tuple());
    }

    Value binary(const std::string& op, const Value& lhs, const Value& rhs, size_t offset) {
        if (op == "~") {
            std::string out = to_output(*this, lhs, offset);
            const std::string rhs_text = to_output(*this, rhs, offset);
            check_string_size(out.size() + rhs_text.size(), offset);
            out += rhs_text;
            charge(out.size() / 64, offset);
            return Value::string(std::move(out));
        }
        const bool numbers = lhs.is_number() && rhs.is_number();
        const bool floats = numbers && (lhs.is_float() || rhs.is_float());
        if (op == "+") {
            if (lhs.is_string() && rhs.is_string()) {
                check_string_size(lhs.as_string().size() + rhs.as_string().size(), offset);
                charge((lhs.as_string().size() + rhs.as_string().size()) / 64, offset);
                return Value::string(lhs.as_string() + rhs.as_string());
            }
            if (lhs.is_list() && rhs.is_list()) {
                check_list_size(lhs.as_list().size() + rhs.as_list().size(), offset);
                std::vector<Value> items = lhs.as_list();
                items.insert(items.end(), rhs.as_list().begin(), rhs.as_list().end());
                charge(items.size(), offset);
                return Value::list(std::move(items), lhs.is_tuple() && rhs.is_tuple());
            }
            if (!numbers) unsupported_operands(op, lhs, rhs, offset);
            if (floats) return Value::number(lhs.as_double() + rhs.as_double());
            int64_t sum = 0;
            if (__builtin_add_overflow(lhs.as_int(), rhs.as_int(), &sum)) overflow(offset);
            return Value::integer(sum);
        }
        if (op == "*") {
            if ((lhs.is_string() || lhs.is_list()) && (rhs.is_int() || rhs.is_bool())) {
                return repeat(lhs, rhs.as_int(), offset);
            }
            if ((rhs.is_string() || rhs.is_list()) && (lhs.is_int() || lhs.is_bool())) {
                return repeat(rhs, lhs.as_int(), offset);
            }
            if (!numbers) unsupported_operands(op, lhs, rhs, offset);
            if (floats) return Value::number(lhs.as_double() * rhs.as_double());
            int64_t product = 0;
            if (__builtin_mul_overflow(lhs.as_int(), rhs.as_int(), &product)) overflow(offset);
            return Value::integer(product);
        }
        if (lhs.is_string() && op == "%") {
            fail(kRender, offset, "printf-style string formatting ('...' % x) is not supported");
        }
        if (!numbers) unsupported_operands(op, lhs, rhs, offset);
        if (op == "-") {
            if (floats) return Value::number(lhs.as_double() - rhs.as_double());
            int64_t difference = 0;
            if (__builtin_sub_overflow(lhs.as_int(), rhs.as_int(), &difference)) overflow(offset);
            return Value::integer(difference);
        }
        if (op == "/") {
            if (rhs.as_double() == 0.0) fail(kRender, offset, "division by zero");
            return Value::number(lhs.as_double() / rhs.as_double());
        }
        if (op == "//" || op == "%") {
            if (rhs.as_double() == 0.0) fail(kRender, offset, "integer division or modulo by zero");
            if (floats) {
                // Python's float divmod: the remainder takes the divisor's sign.
                const double a = lhs.as_double();
                const double b = rhs.as_double();
                double mod = std::fmod(a, b);
                double div = (a - mod) / b;
                if (mod != 0.0) {
                    if ((b < 0) != (mod < 0)) {
                        mod += b;
                        div -= 1.0;
                    }
                } else {
                    mod = std::copysign(0.0, b);
                }
                if (op == "%") return Value::number(mod);
                if (div == 0.0) return Value::number(std::copysign(0.0, a / b));
                double floor_div = std::floor(div);
                if (div - floor_div > 0.5) floor_div += 1.0;
                return Value::number(floor_div);
            }
            const int64_t a = lhs.as_int();
            const int64_t b = rhs.as_int();
            if (a == std::numeric_limits<int64_t>::min() && b == -1) {
                if (op == "%") return Value::integer(0);
                overflow(offset);
            }
            int64_t quotient = a / b;
            int64_t remainder = a % b;
            if (remainder != 0 && ((remainder < 0) != (b < 0))) {
                --quotient;
                remainder += b;
            }
            return Value::integer(op == "//" ? quotient : remainder);
        }
        if (op == "**") {
            if (!floats && rhs.as_int() >= 0) {
                int64_t result = 1;
                int64_t base = lhs.as_int();
                int64_t exponent = rhs.as_int();
                while (exponent > 0) {
                    if ((exponent & 1) != 0 && __builtin_mul_overflow(result, base, &result))
                        overflow(offset);
                    exponent >>= 1;
                    if (exponent > 0 && __builtin_mul_overflow(base, base, &base)) overflow(offset);
                }
                return Value::integer(result);
            }
            if (lhs.as_double() == 0.0 && rhs.as_double() < 0) {
                fail(kRender, offset, "0.0 cannot be raised to a negative power");
            }
            return Value::number(std::pow(lhs.as_double(), rhs.as_double()));
        }
        unsupported_operands(op, lhs, rhs, offset);
    }

    const ChatTemplateLimits& limits_;
    std::vector<Scope> scopes_;
    std::string out_;
    uint64_t work_ = 0;
    int macro_depth_ = 0;
};

}  // namespace

std::string render(const NodeList& nodes, const Globals& globals,
                   const ChatTemplateLimits& limits) {
    return Evaluator(globals, limits).run(nodes);
}

}  // namespace hearth::text::jinja
