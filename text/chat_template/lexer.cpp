#include "text/chat_template/lexer.h"

#include <fmt/core.h>

#include <cstdlib>

#include "text/chat_template/syntax_error.h"
#include "text/chat_template/value.h"
#include "text/utf8.h"

namespace hearth::text::jinja {
namespace {

constexpr TemplateError::Kind kSyntax = TemplateError::Kind::kSyntax;

bool is_digit(char ch) {
    return ch >= '0' && ch <= '9';
}
bool is_name_start(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}
bool is_name_char(char ch) {
    return is_name_start(ch) || is_digit(ch);
}

int hex_value(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

class Lexer {
public:
    Lexer(std::string_view source, const LexOptions& options) : src_(source), options_(options) {}

    std::vector<Token> run() {
        while (pos_ < src_.size()) lex_root();
        push(TokenKind::kEnd, "", src_.size());
        return std::move(tokens_);
    }

private:
    // Skips Python whitespace (\s) from `at`; returns the new offset.
    size_t skip_space(size_t at) const {
        size_t length = 0;
        while (at < src_.size() && is_python_space(src_, at, &length)) at += length;
        return at;
    }

    bool all_space(std::string_view text) const {
        if (text.empty()) return false;
        size_t length = 0;
        for (size_t at = 0; at < text.size(); at += length)
            if (!is_python_space(text, at, &length)) return false;
        return true;
    }

    void push(TokenKind kind, std::string text, size_t offset) {
        Token token;
        token.kind = kind;
        token.text = std::move(text);
        token.offset = offset;
        tokens_.push_back(std::move(token));
    }

    // Emits the text before a tag after whitespace control: sign '-' strips all whitespace,
    // otherwise lstrip_blocks strips the line's indentation before {% and {#.
    void push_text_before_tag(std::string_view text, size_t offset, char sign, bool is_variable) {
        if (sign == '-') {
            text = python_strip(text, false, true);
        } else if (sign != '+' && options_.lstrip_blocks && !is_variable) {
            const size_t newline = text.rfind('\n');
            const size_t line_begin = newline == std::string_view::npos ? 0 : newline + 1;
            if ((line_begin > 0 || line_starting_) && all_space(text.substr(line_begin))) {
                text = text.substr(0, line_begin);
            }
        }
        if (!text.empty()) push(TokenKind::kText, std::string(text), offset);
    }

    // Matches `{%(-|+|)\s*raw\s*(-%}\s*|%})` at `at`; returns the end or npos.
    size_t match_raw_begin(size_t at) const {
        size_t cursor = at + 2;
        if (cursor < src_.size() && (src_[cursor] == '-' || src_[cursor] == '+')) ++cursor;
        cursor = skip_space(cursor);
        if (src_.compare(cursor, 3, "raw") != 0) return std::string_view::npos;
        cursor = skip_space(cursor + 3);
        if (src_.compare(cursor, 3, "-%}") == 0) return skip_space(cursor + 3);
        if (src_.compare(cursor, 2, "%}") == 0) return cursor + 2;
        return std::string_view::npos;
    }

    // After a block-like end (%} or #}) at `at` (pointing at '%' or '#'), with the sign before it.
    size_t consume_block_end(size_t at, char sign) const {
        size_t end = at + 2;
        if (sign == '-') return skip_space(end);
        if (sign != '+' && options_.trim_blocks && end < src_.size() && src_[end] == '\n') ++end;
        return end;
    }

    void lex_root() {
        size_t tag = pos_;
        while (true) {
            tag = src_.find('{', tag);
            if (tag == std::string_view::npos || tag + 1 >= src_.size()) {
                push(TokenKind::kText, std::string(src_.substr(pos_)), pos_);
                pos_ = src_.size();
                return;
            }
            const char next = src_[tag + 1];
            if (next == '{' || next == '%' || next == '#') break;
            ++tag;
        }
        const char kind = src_[tag + 1];
        const std::string_view text = src_.substr(pos_, tag - pos_);
        const size_t text_offset = pos_;
        const char sign = tag + 2 < src_.size() && (src_[tag + 2] == '-' || src_[tag + 2] == '+')
                              ? src_[tag + 2]
                              : 0;
        if (kind == '%') {
            const size_t raw_end = match_raw_begin(tag);
            if (raw_end != std::string_view::npos) {
                push_text_before_tag(text, text_offset, sign, false);
                lex_raw(raw_end, tag);
                return;
            }
        }
        push_text_before_tag(text, text_offset, sign, kind == '{');
        pos_ = tag + 2 + (sign != 0 ? 1 : 0);
        if (kind == '#') {
            lex_comment(tag);
        } else {
            lex_tag(kind == '%', tag);
        }
    }

    void lex_comment(size_t open) {
        const size_t close = src_.find("#}", pos_);
        if (close == std::string_view::npos) {
            fail(kSyntax, open, "missing end of comment tag");
        }
        const char sign = close > pos_ && (src_[close - 1] == '-' || src_[close - 1] == '+')
                              ? src_[close - 1]
                              : 0;
        pos_ = consume_block_end(close, sign);
        line_starting_ = src_[pos_ - 1] == '\n';
    }

    void lex_raw(size_t body, size_t open) {
        // (.*?)({%(-|+|)\s*endraw\s*(+%}|-%}\s*|%}\n?))
        size_t search = body;
        while (true) {
            const size_t tag = src_.find("{%", search);
            if (tag == std::string_view::npos) fail(kSyntax, open, "missing end of raw directive");
            size_t cursor = tag + 2;
            const char sign = cursor < src_.size() && (src_[cursor] == '-' || src_[cursor] == '+')
                                  ? src_[cursor]
                                  : 0;
            if (sign != 0) ++cursor;
            cursor = skip_space(cursor);
            if (src_.compare(cursor, 6, "endraw") == 0) {
                cursor = skip_space(cursor + 6);
                char end_sign = 0;
                if (cursor < src_.size() && (src_[cursor] == '-' || src_[cursor] == '+')) {
                    end_sign = src_[cursor];
                    ++cursor;
                }
                if (src_.compare(cursor, 2, "%}") == 0) {
                    line_starting_ = false;  // the raw-begin match ended with %} or whitespace
                    if (body > 0 && src_[body - 1] == '\n') line_starting_ = true;
                    push_text_before_tag(src_.substr(body, tag - body), body, sign, false);
                    pos_ = consume_block_end(cursor, end_sign);
                    line_starting_ = src_[pos_ - 1] == '\n';
                    return;
                }
            }
            search = tag + 2;
        }
    }

    void lex_tag(bool is_block, size_t open) {
        const TokenKind begin = is_block ? TokenKind::kBlockBegin : TokenKind::kVarBegin;
        push(begin, is_block ? "{%" : "{{", open);
        std::string balance;  // expected closing brackets
        while (true) {
            if (pos_ >= src_.size()) {
                fail(kSyntax, open,
                     is_block ? "unclosed tag '{%': missing '%}'"
                              : "unclosed tag '{{': missing '}}'");
            }
            if (balance.empty() && try_tag_end(is_block)) return;
            const char ch = src_[pos_];
            size_t space_length = 0;
            if (is_python_space(src_, pos_, &space_length)) {
                line_starting_ = src_[pos_] == '\n';
                pos_ += space_length;
                continue;
            }
            line_starting_ = false;
            if (is_digit(ch) && (pos_ == 0 || src_[pos_ - 1] != '.') && lex_float()) continue;
            if (is_digit(ch)) {
                lex_integer();
                continue;
            }
            if (is_name_start(ch)) {
                const size_t start = pos_;
                while (pos_ < src_.size() && is_name_char(src_[pos_])) ++pos_;
                push(TokenKind::kName, std::string(src_.substr(start, pos_ - start)), start);
                continue;
            }
            if (ch == '\'' || ch == '"') {
                lex_string();
                continue;
            }
            lex_operator(balance);
        }
    }

    bool try_tag_end(bool is_block) {
        if (is_block) {
            char sign = 0;
            size_t at = pos_;
            if (src_[at] == '-' || src_[at] == '+') {
                sign = src_[at];
                ++at;
            }
            if (src_.compare(at, 2, "%}") != 0) return false;
            push(TokenKind::kBlockEnd, "%}", pos_);
            pos_ = consume_block_end(at, sign);
        } else {
            if (src_.compare(pos_, 3, "-}}") == 0) {
                push(TokenKind::kVarEnd, "}}", pos_);
                pos_ = skip_space(pos_ + 3);
            } else if (src_.compare(pos_, 2, "}}") == 0) {
                push(TokenKind::kVarEnd, "}}", pos_);
                pos_ += 2;
            } else {
                return false;
            }
        }
        line_starting_ = src_[pos_ - 1] == '\n';
        return true;
    }

    // Digits with single underscores between them: (\d+_)*\d+ ; returns the end or npos.
    size_t match_digits(size_t at) const {
        if (at >= src_.size() || !is_digit(src_[at])) return std::string_view::npos;
        while (true) {
            while (at < src_.size() && is_digit(src_[at])) ++at;
            if (at + 1 < src_.size() && src_[at] == '_' && is_digit(src_[at + 1])) {
                ++at;
                continue;
            }
            return at;
        }
    }

    static std::string without_underscores(std::string_view text) {
        std::string out;
        for (char ch : text)
            if (ch != '_') out += ch;
        return out;
    }

    bool lex_float() {
        const size_t start = pos_;
        size_t at = match_digits(start);
        bool fraction = false;
        if (at < src_.size() && src_[at] == '.') {
            const size_t frac_end = match_digits(at + 1);
            if (frac_end != std::string_view::npos) {
                at = frac_end;
                fraction = true;
            }
        }
        bool exponent = false;
        if (at < src_.size() && (src_[at] == 'e' || src_[at] == 'E')) {
            size_t exp_at = at + 1;
            if (exp_at < src_.size() && (src_[exp_at] == '+' || src_[exp_at] == '-')) ++exp_at;
            const size_t exp_end = match_digits(exp_at);
            if (exp_end != std::string_view::npos) {
                at = exp_end;
                exponent = true;
            }
        }
        if (!fraction && !exponent) return false;
        Token token;
        token.kind = TokenKind::kFloat;
        token.text = std::string(src_.substr(start, at - start));
        token.float_value = std::strtod(without_underscores(token.text).c_str(), nullptr);
        token.offset = start;
        tokens_.push_back(std::move(token));
        pos_ = at;
        return true;
    }

    void lex_integer() {
        const size_t start = pos_;
        int base = 10;
        size_t at = start;
        if (src_[at] == '0' && at + 1 < src_.size()) {
            const char prefix = static_cast<char>(src_[at + 1] | 0x20);
            if (prefix == 'x') base = 16;
            if (prefix == 'o') base = 8;
            if (prefix == 'b') base = 2;
        }
        std::string digits;
        if (base != 10) {
            at += 2;
            while (at < src_.size()) {
                char ch = src_[at];
                if (ch == '_' && at + 1 < src_.size() && hex_value(src_[at + 1]) >= 0 &&
                    hex_value(src_[at + 1]) < base) {
                    ++at;
                    continue;
                }
                const int digit = hex_value(ch);
                if (digit < 0 || digit >= base) break;
                digits += ch;
                ++at;
            }
            if (digits.empty()) {  // "0x" with no digit: the integer 0, then the name "x"
                at = start + 1;
                base = 10;
                digits.assign(1, '0');
            }
        } else if (src_[at] == '0') {
            // 0(_?0)*
            ++at;
            digits.assign(1, '0');
            while (at < src_.size()) {
                if (src_[at] == '0') {
                    ++at;
                } else if (src_[at] == '_' && at + 1 < src_.size() && src_[at + 1] == '0') {
                    at += 2;
                } else {
                    break;
                }
            }
        } else {
            at = match_digits(start);
            digits = without_underscores(src_.substr(start, at - start));
        }
        Token token;
        token.kind = TokenKind::kInt;
        token.text = std::string(src_.substr(start, at - start));
        token.offset = start;
        errno = 0;
        const unsigned long long value = std::strtoull(digits.c_str(), nullptr, base);
        if (errno == ERANGE || value > static_cast<unsigned long long>(INT64_MAX)) {
            fail(kSyntax, start, fmt::format("integer literal {} is too large", token.text));
        }
        token.int_value = static_cast<int64_t>(value);
        tokens_.push_back(std::move(token));
        pos_ = at;
    }

    void lex_string() {
        const size_t start = pos_;
        const char quote = src_[pos_];
        size_t at = pos_ + 1;
        std::string value;
        while (true) {
            if (at >= src_.size()) fail(kSyntax, start, "unterminated string literal");
            const char ch = src_[at];
            if (ch == quote) break;
            if (ch != '\\') {
                value += ch;
                ++at;
                continue;
            }
            if (at + 1 >= src_.size()) fail(kSyntax, start, "unterminated string literal");
            at = decode_escape(at, value, start);
        }
        push(TokenKind::kString, std::move(value), start);
        pos_ = at + 1;
    }

    // Python's unicode-escape for the escape at src_[at] == '\\'; returns the offset after it.
    size_t decode_escape(size_t at, std::string& value, size_t string_start) const {
        const char ch = src_[at + 1];
        switch (ch) {
            case '\n':
                return at + 2;
            case '\\':
                value += '\\';
                return at + 2;
            case '\'':
                value += '\'';
                return at + 2;
            case '"':
                value += '"';
                return at + 2;
            case 'a':
                value += '\a';
                return at + 2;
            case 'b':
                value += '\b';
                return at + 2;
            case 'f':
                value += '\f';
                return at + 2;
            case 'n':
                value += '\n';
                return at + 2;
            case 'r':
                value += '\r';
                return at + 2;
            case 't':
                value += '\t';
                return at + 2;
            case 'v':
                value += '\v';
                return at + 2;
            default:
                break;
        }
        if (ch >= '0' && ch <= '7') {
            uint32_t code = 0;
            size_t cursor = at + 1;
            for (int count = 0;
                 count < 3 && cursor < src_.size() && src_[cursor] >= '0' && src_[cursor] <= '7';
                 ++count, ++cursor) {
                code = code * 8 + static_cast<uint32_t>(src_[cursor] - '0');
            }
            utf8::append(value, code);
            return cursor;
        }
        const int n_hex = ch == 'x' ? 2 : ch == 'u' ? 4 : ch == 'U' ? 8 : 0;
        if (n_hex == 0) {  // unknown escape: kept as written
            value += '\\';
            return at + 1;
        }
        uint32_t code = 0;
        for (int idx = 0; idx < n_hex; ++idx) {
            const size_t cursor = at + 2 + static_cast<size_t>(idx);
            const int digit = cursor < src_.size() ? hex_value(src_[cursor]) : -1;
            if (digit < 0) {
                fail(kSyntax, string_start,
                     fmt::format("truncated \\{} escape in a string literal", ch));
            }
            code = code * 16 + static_cast<uint32_t>(digit);
        }
        if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            fail(kSyntax, string_start,
                 fmt::format("escape \\{} names U+{:X}, which is not a character", ch, code));
        }
        utf8::append(value, code);
        return at + 2 + static_cast<size_t>(n_hex);
    }

    void lex_operator(std::string& balance) {
        static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", "<=", ">="};
        for (std::string_view op : kTwo) {
            if (src_.compare(pos_, 2, op) == 0) {
                push(TokenKind::kOperator, std::string(op), pos_);
                pos_ += 2;
                return;
            }
        }
        const char ch = src_[pos_];
        static constexpr std::string_view kOne = "+-/*%~[](){}<>=.:|,;";
        if (kOne.find(ch) == std::string_view::npos) {
            fail(kSyntax, pos_, fmt::format("unexpected character '{}' in a tag", ch));
        }
        if (ch == '(' || ch == '[' || ch == '{') {
            balance += ch == '(' ? ')' : ch == '[' ? ']' : '}';
        } else if (ch == ')' || ch == ']' || ch == '}') {
            if (balance.empty()) fail(kSyntax, pos_, fmt::format("unexpected '{}'", ch));
            if (balance.back() != ch) {
                fail(kSyntax, pos_,
                     fmt::format("unexpected '{}', expected '{}'", ch, balance.back()));
            }
            balance.pop_back();
        }
        push(TokenKind::kOperator, std::string(1, ch), pos_);
        ++pos_;
    }

    std::string_view src_;
    LexOptions options_;
    size_t pos_ = 0;
    bool line_starting_ = true;
    std::vector<Token> tokens_;
};

}  // namespace

std::string describe_position(std::string_view source, size_t offset) {
    size_t line = 1;
    size_t line_begin = 0;
    for (size_t idx = 0; idx < offset && idx < source.size(); ++idx) {
        if (source[idx] == '\n') {
            ++line;
            line_begin = idx + 1;
        }
    }
    return fmt::format("line {}, column {}", line, offset - line_begin + 1);
}

std::string normalize_source(std::string_view source) {
    std::string out;
    out.reserve(source.size());
    for (size_t idx = 0; idx < source.size(); ++idx) {
        if (source[idx] == '\r') {
            out += '\n';
            if (idx + 1 < source.size() && source[idx + 1] == '\n') ++idx;
        } else {
            out += source[idx];
        }
    }
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

std::vector<Token> lex(std::string_view normalized, const LexOptions& options) {
    return Lexer(normalized, options).run();
}

}  // namespace hearth::text::jinja
