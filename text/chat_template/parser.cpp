#include "text/chat_template/parser.h"

#include <fmt/core.h>

#include <algorithm>
#include <initializer_list>

#include "text/chat_template/builtins.h"
#include "text/chat_template/syntax_error.h"

namespace hearth::text::jinja {
namespace {

constexpr TemplateError::Kind kSyntax = TemplateError::Kind::kSyntax;

std::string describe(const Token& token) {
    switch (token.kind) {
        case TokenKind::kText:
            return "text";
        case TokenKind::kVarBegin:
            return "'{{'";
        case TokenKind::kVarEnd:
            return "'}}'";
        case TokenKind::kBlockBegin:
            return "'{%'";
        case TokenKind::kBlockEnd:
            return "'%}'";
        case TokenKind::kName:
            return fmt::format("'{}'", token.text);
        case TokenKind::kString:
            return "a string";
        case TokenKind::kInt:
        case TokenKind::kFloat:
            return fmt::format("'{}'", token.text);
        case TokenKind::kOperator:
            return fmt::format("'{}'", token.text);
        case TokenKind::kEnd:
            return "the end of the template";
    }
    return "a token";
}

class Parser {
public:
    Parser(const std::vector<Token>& tokens, const ChatTemplateLimits& limits)
        : tokens_(tokens), limits_(limits) {}

    NodeList run() {
        std::string end;
        NodeList nodes = parse_body({}, &end, 0);
        return nodes;
    }

private:
    // ---- token helpers --------------------------------------------------------------------
    const Token& current() const { return tokens_[pos_]; }
    const Token& peek(size_t ahead = 1) const {
        return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
    }
    void advance() {
        if (pos_ + 1 < tokens_.size()) ++pos_;
    }
    bool is_op(std::string_view op) const {
        return current().kind == TokenKind::kOperator && current().text == op;
    }
    bool is_name(std::string_view name) const {
        return current().kind == TokenKind::kName && current().text == name;
    }
    bool skip_op(std::string_view op) {
        if (!is_op(op)) return false;
        advance();
        return true;
    }
    bool skip_name(std::string_view name) {
        if (!is_name(name)) return false;
        advance();
        return true;
    }
    [[noreturn]] void unexpected(std::string_view expected) const {
        fail(kSyntax, current().offset,
             fmt::format("expected {}, found {}", expected, describe(current())));
    }
    void expect_op(std::string_view op) {
        if (!skip_op(op)) unexpected(fmt::format("'{}'", op));
    }
    std::string expect_name() {
        if (current().kind != TokenKind::kName) unexpected("a name");
        std::string name = current().text;
        advance();
        return name;
    }
    void expect_block_end() {
        if (current().kind != TokenKind::kBlockEnd) unexpected("'%}'");
        advance();
    }

    // ---- statements -----------------------------------------------------------------------
    // Parses nodes until a {% name %} with name in `ends` (left unconsumed past its name, which
    // is stored in *end), or the end of the template (then *end is "").
    NodeList parse_body(std::initializer_list<std::string_view> ends, std::string* end,
                        int nesting) {
        if (nesting > limits_.max_block_nesting) {
            fail(kSyntax, current().offset,
                 fmt::format("blocks are nested more than {} deep", limits_.max_block_nesting));
        }
        NodeList nodes;
        while (true) {
            const Token& token = current();
            switch (token.kind) {
                case TokenKind::kEnd:
                    *end = "";
                    return nodes;
                case TokenKind::kText: {
                    auto node = std::make_unique<Node>();
                    node->kind = NodeKind::kText;
                    node->offset = token.offset;
                    node->text = token.text;
                    nodes.push_back(std::move(node));
                    advance();
                    break;
                }
                case TokenKind::kVarBegin: {
                    auto node = std::make_unique<Node>();
                    node->kind = NodeKind::kOutput;
                    node->offset = token.offset;
                    advance();
                    node->expr = parse_tuple(true);
                    if (current().kind != TokenKind::kVarEnd) unexpected("'}}'");
                    advance();
                    nodes.push_back(std::move(node));
                    break;
                }
                case TokenKind::kBlockBegin: {
                    const Token& name = peek();
                    if (name.kind == TokenKind::kName &&
                        std::find(ends.begin(), ends.end(), name.text) != ends.end()) {
                        advance();
                        *end = name.text;
                        advance();
                        return nodes;
                    }
                    const size_t tag_offset = token.offset;
                    advance();
                    parse_statement(nodes, nesting, tag_offset);
                    break;
                }
                default:
                    unexpected("text or a tag");
            }
        }
    }

    [[noreturn]] void unclosed(std::string_view block, size_t offset, std::string_view closer) {
        fail(kSyntax, offset,
             fmt::format("unclosed '{}' block: missing '{{% {} %}}'", block, closer));
    }

    // `offset`: where the tag's {% is, which errors about the block point at.
    void parse_statement(NodeList& nodes, int nesting, size_t offset) {
        const Token& keyword = current();
        if (keyword.kind != TokenKind::kName) unexpected("a tag name");
        const std::string name = keyword.text;
        advance();
        if (name == "if") {
            nodes.push_back(parse_if(offset, nesting));
        } else if (name == "for") {
            nodes.push_back(parse_for(offset, nesting));
        } else if (name == "set") {
            nodes.push_back(parse_set(offset, nesting));
        } else if (name == "break" || name == "continue") {
            if (loop_depth_ == 0) {
                fail(kSyntax, offset, fmt::format("'{}' outside of a for loop", name));
            }
            auto node = std::make_unique<Node>();
            node->kind = name == "break" ? NodeKind::kBreak : NodeKind::kContinue;
            node->offset = offset;
            expect_block_end();
            nodes.push_back(std::move(node));
        } else if (name == "macro") {
            nodes.push_back(parse_macro(offset, nesting));
        } else if (name == "generation") {
            expect_block_end();
            std::string end;
            NodeList body = parse_body({"endgeneration"}, &end, nesting + 1);
            if (end.empty()) unclosed("generation", offset, "endgeneration");
            expect_block_end();
            for (auto& node : body) nodes.push_back(std::move(node));
        } else {
            static constexpr std::string_view kUnsupported[] = {
                "call",   "filter", "with",       "block", "extends", "include",
                "import", "from",   "autoescape", "do",    "trans"};
            static constexpr std::string_view kClosers[] = {
                "elif",     "else",    "endif",     "endfor",  "endset",   "endgeneration",
                "endmacro", "endcall", "endfilter", "endwith", "endblock", "endraw"};
            if (std::find(std::begin(kUnsupported), std::end(kUnsupported), name) !=
                std::end(kUnsupported)) {
                fail(kSyntax, offset, fmt::format("the '{}' tag is not supported", name));
            }
            if (std::find(std::begin(kClosers), std::end(kClosers), name) != std::end(kClosers)) {
                fail(kSyntax, offset,
                     fmt::format("unexpected '{{% {} %}}' with no open block", name));
            }
            fail(kSyntax, offset, fmt::format("unknown tag '{}'", name));
        }
    }

    std::unique_ptr<Node> parse_if(size_t offset, int nesting) {
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::kIf;
        node->offset = offset;
        while (true) {
            auto condition = parse_tuple(false);
            expect_block_end();
            std::string end;
            NodeList body = parse_body({"elif", "else", "endif"}, &end, nesting + 1);
            node->branches.emplace_back(std::move(condition), std::move(body));
            if (end.empty()) unclosed("if", offset, "endif");
            if (end == "elif") continue;
            if (end == "else") {
                expect_block_end();
                node->else_body = parse_body({"endif"}, &end, nesting + 1);
                if (end.empty()) unclosed("if", offset, "endif");
            }
            expect_block_end();
            return node;
        }
    }

    // name, or name, name, ... (for unpacking).
    std::vector<std::string> parse_targets() {
        std::vector<std::string> targets;
        const bool parenthesized = skip_op("(");
        do {
            if (current().kind != TokenKind::kName) unexpected("a variable name");
            targets.push_back(expect_name());
        } while (skip_op(",") && current().kind == TokenKind::kName);
        if (parenthesized) expect_op(")");
        for (const std::string& target : targets) {
            if (target == "true" || target == "false" || target == "none" || target == "True" ||
                target == "False" || target == "None") {
                fail(kSyntax, current().offset, fmt::format("cannot assign to '{}'", target));
            }
        }
        return targets;
    }

    std::unique_ptr<Node> parse_for(size_t offset, int nesting) {
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::kFor;
        node->offset = offset;
        node->targets = parse_targets();
        if (!skip_name("in")) unexpected("'in'");
        node->expr = parse_tuple(false);
        if (skip_name("if")) node->filter = parse_expression(true);
        if (is_name("recursive"))
            fail(kSyntax, current().offset, "recursive loops are not supported");
        expect_block_end();
        ++loop_depth_;
        std::string end;
        node->body = parse_body({"endfor", "else"}, &end, nesting + 1);
        --loop_depth_;
        if (end.empty()) unclosed("for", offset, "endfor");
        if (end == "else") {
            expect_block_end();
            node->else_body = parse_body({"endfor"}, &end, nesting + 1);
            if (end.empty()) unclosed("for", offset, "endfor");
        }
        expect_block_end();
        return node;
    }

    std::unique_ptr<Node> parse_macro(size_t offset, int nesting) {
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::kMacro;
        node->offset = offset;
        node->targets.push_back(expect_name());
        expect_op("(");
        while (!is_op(")")) {
            if (!node->params.empty()) expect_op(",");
            const size_t param_offset = current().offset;
            std::string param = expect_name();
            if (std::find(node->params.begin(), node->params.end(), param) != node->params.end()) {
                fail(kSyntax, param_offset, fmt::format("duplicate macro parameter '{}'", param));
            }
            node->params.push_back(std::move(param));
            node->defaults.push_back(skip_op("=") ? parse_expression(true) : nullptr);
        }
        advance();
        expect_block_end();
        // break / continue cannot reach a loop around the definition.
        const int saved_loop_depth = loop_depth_;
        loop_depth_ = 0;
        std::string end;
        node->body = parse_body({"endmacro"}, &end, nesting + 1);
        loop_depth_ = saved_loop_depth;
        if (end.empty()) unclosed("macro", offset, "endmacro");
        if (current().kind == TokenKind::kName) advance();  // {% endmacro name %}
        expect_block_end();
        return node;
    }

    std::unique_ptr<Node> parse_set(size_t offset, int nesting) {
        auto node = std::make_unique<Node>();
        node->offset = offset;
        if (current().kind == TokenKind::kName && peek().kind == TokenKind::kOperator &&
            peek().text == ".") {
            node->targets.push_back(expect_name());
            advance();
            node->attribute = expect_name();
        } else {
            node->targets = parse_targets();
        }
        if (skip_op("=")) {
            node->kind = NodeKind::kSet;
            node->expr = parse_tuple(true);
            expect_block_end();
            return node;
        }
        if (node->targets.size() != 1 || !node->attribute.empty()) unexpected("'='");
        node->kind = NodeKind::kSetBlock;
        expect_block_end();
        std::string end;
        node->body = parse_body({"endset"}, &end, nesting + 1);
        if (end.empty()) unclosed("set", offset, "endset");
        expect_block_end();
        return node;
    }

    // ---- expressions ----------------------------------------------------------------------
    // Counts nested parse calls so `((((...` cannot exhaust the stack.
    class DepthGuard {
    public:
        DepthGuard(Parser& parser, size_t offset) : parser_(parser) {
            if (++parser_.depth_ > parser_.limits_.max_expression_depth) {
                fail(kSyntax, offset,
                     fmt::format("expression nested more than {} deep",
                                 parser_.limits_.max_expression_depth));
            }
        }
        ~DepthGuard() { --parser_.depth_; }
        DepthGuard(const DepthGuard&) = delete;
        DepthGuard& operator=(const DepthGuard&) = delete;

    private:
        Parser& parser_;
    };

    std::unique_ptr<Expr> make(ExprKind kind, size_t offset) {
        auto expr = std::make_unique<Expr>();
        expr->kind = kind;
        expr->offset = offset;
        return expr;
    }

    // Every node's depth (1 + its deepest child) is bounded: chains such as x|a|b|c... or
    // a+b+c+... nest without nesting parse calls.
    std::unique_ptr<Expr> finish(std::unique_ptr<Expr> expr) {
        int deepest = 0;
        for (const auto& arg : expr->args)
            if (arg) deepest = std::max(deepest, arg->depth);
        for (const auto& kwarg : expr->kwargs) deepest = std::max(deepest, kwarg.second->depth);
        expr->depth = deepest + 1;
        if (expr->depth > limits_.max_expression_depth) {
            fail(kSyntax, expr->offset,
                 fmt::format("expression nested more than {} deep", limits_.max_expression_depth));
        }
        return expr;
    }

    std::unique_ptr<Expr> binary(ExprKind kind, std::string op, std::unique_ptr<Expr> lhs,
                                 std::unique_ptr<Expr> rhs, size_t offset) {
        auto expr = make(kind, offset);
        expr->name = std::move(op);
        expr->args.push_back(std::move(lhs));
        expr->args.push_back(std::move(rhs));
        return finish(std::move(expr));
    }

    // expr, expr, ... : a tuple (a list) when there is a comma.
    std::unique_ptr<Expr> parse_tuple(bool with_condition) {
        const size_t offset = current().offset;
        auto first = parse_expression(with_condition);
        if (!is_op(",")) return first;
        auto list = make(ExprKind::kList, offset);
        list->name = "tuple";
        list->args.push_back(std::move(first));
        while (skip_op(",")) {
            if (!starts_expression()) break;
            list->args.push_back(parse_expression(with_condition));
        }
        return finish(std::move(list));
    }

    bool starts_expression() const {
        const Token& token = current();
        switch (token.kind) {
            case TokenKind::kName:
            case TokenKind::kString:
            case TokenKind::kInt:
            case TokenKind::kFloat:
                return true;
            case TokenKind::kOperator:
                return token.text == "(" || token.text == "[" || token.text == "{" ||
                       token.text == "-" || token.text == "+";
            default:
                return false;
        }
    }

    std::unique_ptr<Expr> parse_expression(bool with_condition) {
        DepthGuard guard(*this, current().offset);
        if (!with_condition) return parse_or();
        auto expr = parse_or();
        while (is_name("if")) {
            const size_t offset = current().offset;
            advance();
            auto condition = parse_or();
            std::unique_ptr<Expr> otherwise;
            if (skip_name("else")) otherwise = parse_expression(true);
            auto node = make(ExprKind::kCondition, offset);
            node->args.push_back(std::move(expr));
            node->args.push_back(std::move(condition));
            node->args.push_back(std::move(otherwise));
            expr = finish(std::move(node));
        }
        return expr;
    }

    std::unique_ptr<Expr> parse_or() {
        auto lhs = parse_and();
        while (is_name("or")) {
            const size_t offset = current().offset;
            advance();
            lhs = binary(ExprKind::kOr, "or", std::move(lhs), parse_and(), offset);
        }
        return lhs;
    }

    std::unique_ptr<Expr> parse_and() {
        auto lhs = parse_not();
        while (is_name("and")) {
            const size_t offset = current().offset;
            advance();
            lhs = binary(ExprKind::kAnd, "and", std::move(lhs), parse_not(), offset);
        }
        return lhs;
    }

    std::unique_ptr<Expr> parse_not() {
        if (is_name("not")) {
            DepthGuard guard(*this, current().offset);
            auto node = make(ExprKind::kNot, current().offset);
            advance();
            node->args.push_back(parse_not());
            return finish(std::move(node));
        }
        return parse_compare();
    }

    std::unique_ptr<Expr> parse_compare() {
        const size_t offset = current().offset;
        auto first = parse_math1();
        std::unique_ptr<Expr> node;
        while (true) {
            std::string op;
            if (current().kind == TokenKind::kOperator &&
                (current().text == "==" || current().text == "!=" || current().text == "<" ||
                 current().text == "<=" || current().text == ">" || current().text == ">=")) {
                op = current().text;
                advance();
            } else if (is_name("in")) {
                op = "in";
                advance();
            } else if (is_name("not") && peek().kind == TokenKind::kName && peek().text == "in") {
                op = "notin";
                advance();
                advance();
            } else {
                break;
            }
            if (!node) {
                node = make(ExprKind::kCompare, offset);
                node->args.push_back(std::move(first));
            }
            node->ops.push_back(op);
            node->args.push_back(parse_math1());
        }
        return node ? finish(std::move(node)) : std::move(first);
    }

    std::unique_ptr<Expr> parse_math1() {
        auto lhs = parse_concat();
        while (is_op("+") || is_op("-")) {
            const std::string op = current().text;
            const size_t offset = current().offset;
            advance();
            lhs = binary(ExprKind::kBinary, op, std::move(lhs), parse_concat(), offset);
        }
        return lhs;
    }

    std::unique_ptr<Expr> parse_concat() {
        auto lhs = parse_math2();
        while (is_op("~")) {
            const size_t offset = current().offset;
            advance();
            lhs = binary(ExprKind::kBinary, "~", std::move(lhs), parse_math2(), offset);
        }
        return lhs;
    }

    std::unique_ptr<Expr> parse_math2() {
        auto lhs = parse_pow();
        while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
            const std::string op = current().text;
            const size_t offset = current().offset;
            advance();
            lhs = binary(ExprKind::kBinary, op, std::move(lhs), parse_pow(), offset);
        }
        return lhs;
    }

    std::unique_ptr<Expr> parse_pow() {
        auto lhs = parse_unary(true);
        while (is_op("**")) {
            const size_t offset = current().offset;
            advance();
            lhs = binary(ExprKind::kBinary, "**", std::move(lhs), parse_unary(true), offset);
        }
        return lhs;
    }

    std::unique_ptr<Expr> parse_unary(bool with_filter) {
        DepthGuard guard(*this, current().offset);
        std::unique_ptr<Expr> node;
        if (is_op("-") || is_op("+")) {
            node = make(is_op("-") ? ExprKind::kNeg : ExprKind::kPos, current().offset);
            advance();
            node->args.push_back(parse_unary(false));
            node = finish(std::move(node));
        } else {
            node = parse_primary();
        }
        node = parse_postfix(std::move(node));
        if (with_filter) node = parse_filter_expr(std::move(node));
        return node;
    }

    std::unique_ptr<Expr> literal(Value value, size_t offset) {
        auto node = make(ExprKind::kLiteral, offset);
        node->literal = std::move(value);
        return finish(std::move(node));
    }

    std::unique_ptr<Expr> parse_primary() {
        const Token& token = current();
        const size_t offset = token.offset;
        switch (token.kind) {
            case TokenKind::kName: {
                const std::string& name = token.text;
                if (name == "true" || name == "True")
                    return advance(), literal(Value::boolean(true), offset);
                if (name == "false" || name == "False")
                    return advance(), literal(Value::boolean(false), offset);
                if (name == "none" || name == "None")
                    return advance(), literal(Value::none(), offset);
                auto node = make(ExprKind::kName, offset);
                node->name = name;
                advance();
                return finish(std::move(node));
            }
            case TokenKind::kString: {
                std::string text;
                while (current().kind == TokenKind::kString) {
                    text += current().text;
                    advance();
                }
                return literal(Value::string(std::move(text)), offset);
            }
            case TokenKind::kInt:
                advance();
                return literal(Value::integer(token.int_value), offset);
            case TokenKind::kFloat:
                advance();
                return literal(Value::number(token.float_value), offset);
            case TokenKind::kOperator:
                if (token.text == "(") {
                    advance();
                    if (skip_op(")")) {  // ()
                        auto empty = make(ExprKind::kList, offset);
                        empty->name = "tuple";
                        return finish(std::move(empty));
                    }
                    auto inner = parse_tuple(true);
                    expect_op(")");
                    return inner;
                }
                if (token.text == "[") return parse_list(offset);
                if (token.text == "{") return parse_dict(offset);
                break;
            default:
                break;
        }
        unexpected("an expression");
    }

    std::unique_ptr<Expr> parse_list(size_t offset) {
        advance();
        auto node = make(ExprKind::kList, offset);
        while (!is_op("]")) {
            if (!node->args.empty()) expect_op(",");
            if (is_op("]")) break;
            node->args.push_back(parse_expression(true));
        }
        advance();
        return finish(std::move(node));
    }

    std::unique_ptr<Expr> parse_dict(size_t offset) {
        advance();
        auto node = make(ExprKind::kDict, offset);
        while (!is_op("}")) {
            if (!node->args.empty()) expect_op(",");
            if (is_op("}")) break;
            node->args.push_back(parse_expression(true));
            expect_op(":");
            node->args.push_back(parse_expression(true));
        }
        advance();
        return finish(std::move(node));
    }

    // Postfix nodes take the offset of the expression they apply to, so errors point at its start.
    std::unique_ptr<Expr> parse_postfix(std::unique_ptr<Expr> node) {
        while (true) {
            const size_t offset = node->offset;
            if (is_op(".")) {
                advance();
                if (current().kind == TokenKind::kInt) {
                    auto index = literal(Value::integer(current().int_value), current().offset);
                    advance();
                    auto item = make(ExprKind::kGetItem, offset);
                    item->args.push_back(std::move(node));
                    item->args.push_back(std::move(index));
                    node = finish(std::move(item));
                    continue;
                }
                auto attr = make(ExprKind::kGetAttr, offset);
                attr->name = expect_name();
                attr->args.push_back(std::move(node));
                node = finish(std::move(attr));
            } else if (is_op("[")) {
                advance();
                node = parse_subscript(std::move(node), offset);
            } else if (is_op("(")) {
                node = parse_call(std::move(node), offset);
            } else {
                return node;
            }
        }
    }

    std::unique_ptr<Expr> parse_subscript(std::unique_ptr<Expr> object, size_t offset) {
        DepthGuard guard(*this, offset);
        std::unique_ptr<Expr> parts[3];
        bool is_slice = false;
        if (!is_op(":")) parts[0] = parse_expression(true);
        if (skip_op(":")) {
            is_slice = true;
            if (!is_op("]") && !is_op(":")) parts[1] = parse_expression(true);
            if (skip_op(":") && !is_op("]")) parts[2] = parse_expression(true);
        }
        expect_op("]");
        auto node = make(is_slice ? ExprKind::kSlice : ExprKind::kGetItem, offset);
        node->args.push_back(std::move(object));
        if (is_slice) {
            for (auto& part : parts) node->args.push_back(std::move(part));
        } else {
            node->args.push_back(std::move(parts[0]));
        }
        return finish(std::move(node));
    }

    // (args, name=value, ...) after the callee; appended to `node`'s args / kwargs.
    void parse_call_args(Expr& node) {
        DepthGuard guard(*this, current().offset);
        expect_op("(");
        bool first = true;
        while (!is_op(")")) {
            if (!first) expect_op(",");
            first = false;
            if (is_op(")")) break;
            if (current().kind == TokenKind::kName && peek().kind == TokenKind::kOperator &&
                peek().text == "=") {
                std::string key = expect_name();
                advance();
                node.kwargs.emplace_back(std::move(key), parse_expression(true));
            } else {
                if (!node.kwargs.empty()) {
                    fail(kSyntax, current().offset, "positional argument after a keyword argument");
                }
                node.args.push_back(parse_expression(true));
            }
        }
        advance();
    }

    std::unique_ptr<Expr> parse_call(std::unique_ptr<Expr> callee, size_t offset) {
        auto node = make(ExprKind::kCall, offset);
        node->args.push_back(std::move(callee));
        parse_call_args(*node);
        return finish(std::move(node));
    }

    std::unique_ptr<Expr> parse_filter_expr(std::unique_ptr<Expr> node) {
        while (true) {
            const size_t offset = node->offset;
            if (is_op("|")) {
                advance();
                const size_t name_offset = current().offset;
                std::string name = expect_name();
                const FilterSpec* filter = find_filter(name);
                if (filter == nullptr)
                    fail(kSyntax, name_offset, fmt::format("unknown filter '{}'", name));
                auto call = make(ExprKind::kFilter, offset);
                call->name = std::move(name);
                call->filter = filter;
                call->args.push_back(std::move(node));
                if (is_op("(")) parse_call_args(*call);
                node = finish(std::move(call));
            } else if (is_name("is")) {
                advance();
                auto test = make(ExprKind::kTest, offset);
                test->negated = skip_name("not");
                const size_t name_offset = current().offset;
                test->name = expect_name();
                test->test = find_test(test->name);
                if (test->test == nullptr) {
                    fail(kSyntax, name_offset, fmt::format("unknown test '{}'", test->name));
                }
                test->args.push_back(std::move(node));
                if (is_op("(")) {
                    parse_call_args(*test);
                } else if (test_takes_bare_argument()) {
                    if (is_name("is"))
                        fail(kSyntax, current().offset, "tests cannot be chained with 'is'");
                    DepthGuard guard(*this, current().offset);
                    test->args.push_back(parse_postfix(parse_primary()));
                }
                node = finish(std::move(test));
            } else if (is_op("(")) {
                node = parse_call(std::move(node), offset);
            } else {
                return node;
            }
        }
    }

    // `x is divisibleby 3`: Jinja2 takes one primary argument without parentheses.
    bool test_takes_bare_argument() const {
        const Token& token = current();
        if (token.kind == TokenKind::kName) {
            return token.text != "else" && token.text != "or" && token.text != "and";
        }
        if (token.kind == TokenKind::kString || token.kind == TokenKind::kInt ||
            token.kind == TokenKind::kFloat) {
            return true;
        }
        return token.kind == TokenKind::kOperator &&
               (token.text == "(" || token.text == "[" || token.text == "{");
    }

    const std::vector<Token>& tokens_;
    const ChatTemplateLimits& limits_;
    size_t pos_ = 0;
    int depth_ = 0;
    int loop_depth_ = 0;
};

}  // namespace

NodeList parse(const std::vector<Token>& tokens, const ChatTemplateLimits& limits) {
    return Parser(tokens, limits).run();
}

}  // namespace hearth::text::jinja
