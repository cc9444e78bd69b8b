// The syntax tree of a parsed chat template: expressions (Expr) and statements (Node). Built by
// the parser (parser.h), read-only afterwards; the evaluator walks it. Every node keeps the byte
// offset of its first token for error messages. Depth is bounded by the parser (kMaxNesting), so
// recursive walks cannot exhaust the stack.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "text/chat_template/value.h"

namespace hearth::text::jinja {

struct FilterSpec;  // builtins.h
struct TestSpec;

enum class ExprKind : uint8_t {
    kLiteral,  // literal
    kName,     // name
    kList,     // [args...] (also tuples)
    kDict,     // {args[0]: args[1], ...}
    kGetAttr,  // args[0].name
    kGetItem,  // args[0][args[1]]
    kSlice,    // args[0][args[1]:args[2]:args[3]] (null parts are absent)
    kCall,     // args[0](args[1..], kwargs)
    kFilter,   // args[0] | filter(args[1..], kwargs)
    kTest,     // args[0] is [not] test(args[1..]); negated
    kNeg,      // -args[0]
    kPos,      // +args[0]
    kNot,      // not args[0]
    kBinary,   // args[0] op args[1]: + - * / // % ** ~
    kAnd,
    kOr,
    kCompare,    // args[0] ops[0] args[1] ops[1] args[2] ... (chained as Python)
    kCondition,  // args[0] if args[1] else args[2] (args[2] null: undefined)
};

struct Expr {
    ExprKind kind = ExprKind::kLiteral;
    size_t offset = 0;
    std::string name;  // identifier, attribute, operator, or filter/test name
    Value literal;
    std::vector<std::unique_ptr<Expr>> args;
    std::vector<std::pair<std::string, std::unique_ptr<Expr>>> kwargs;
    std::vector<std::string> ops;  // kCompare: "==", "!=", "<", "<=", ">", ">=", "in", "notin"
    const FilterSpec* filter = nullptr;  // kFilter, resolved at parse time
    const TestSpec* test = nullptr;      // kTest, resolved at parse time
    bool negated = false;                // kTest
    int depth = 1;                       // 1 + the deepest child
};

enum class NodeKind : uint8_t {
    kText,      // text
    kOutput,    // {{ expr }}
    kIf,        // {% if %}: branches (condition, body)...; else_body
    kFor,       // {% for targets in expr [if filter] %} body {% else %} else_body
    kSet,       // {% set targets = expr %} or {% set target.attribute = expr %}
    kSetBlock,  // {% set target %} body {% endset %}
    kMacro,     // {% macro targets[0](params = defaults) %} body {% endmacro %}
    kBreak,
    kContinue,
};

struct Node {
    NodeKind kind = NodeKind::kText;
    size_t offset = 0;
    std::string text;
    std::unique_ptr<Expr> expr;        // output value, for iterable, set value
    std::unique_ptr<Expr> filter;      // for ... if filter
    std::vector<std::string> targets;  // for / set names (several: unpacking)
    std::string attribute;             // set ns.attribute
    std::vector<std::pair<std::unique_ptr<Expr>, std::vector<std::unique_ptr<Node>>>> branches;
    std::vector<std::unique_ptr<Node>> body;
    std::vector<std::unique_ptr<Node>> else_body;
    std::vector<std::string> params;              // macro parameters
    std::vector<std::unique_ptr<Expr>> defaults;  // per parameter; null: none
};

using NodeList = std::vector<std::unique_ptr<Node>>;

}  // namespace hearth::text::jinja
