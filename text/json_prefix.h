// An incremental validator for JSON mode: fed text a piece at a time, it says whether the text
// so far can still be extended into one JSON object (RFC 8259), and whether it already is one.
//
//   - The top-level value must be an object; whitespace may come before and after it, nothing
//     else after it.
//   - Objects, arrays, strings (escapes \" \\ \/ \b \f \n \r \t \uXXXX, with \u surrogates
//     properly paired; no raw control characters; well-formed UTF-8), numbers (-?(0|[1-9]\d*)
//     (\.\d+)?([eE][+-]?\d+)?), true, false, null.
//   - Nesting deeper than kMaxDepth is refused (a bound, so the state stays a fixed size).
//   - Numbers have at most kMaxIntegerDigits integer digits and kMaxExponentDigits exponent
//     digits, so every accepted number is a finite double (parsers such as nlohmann-json refuse
//     1e400 as an overflow); fractions may be any length.
//
// The state is a small fixed-size value (no allocation): copying it to try a candidate token's
// text and throwing the copy away is the intended use. Equal states (==, hash()) accept exactly
// the same continuations, so callers may cache per-state results.
// Not thread-safe; copies are independent.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hearth::text {

class JsonPrefix {
public:
    static constexpr int kMaxDepth = 128;
    static constexpr int kMaxIntegerDigits = 20;
    static constexpr int kMaxExponentDigits = 2;

    // Appends text. Returns false (and stays invalid from then on) at the first byte that cannot
    // continue a JSON object; the bytes before it are consumed.
    bool push(std::string_view text);
    bool push_byte(unsigned char byte);

    // Whether `text` could be appended (this state is not changed).
    bool accepts(std::string_view text) const {
        JsonPrefix copy = *this;
        return copy.push(text);
    }

    bool valid() const { return state_ != State::kInvalid; }
    // A whole object has been read: only whitespace may follow.
    bool complete() const { return state_ == State::kDone; }
    // Inside a string literal (a key or a value).
    bool in_string() const;
    // Inside a string and between characters (not in an escape or a UTF-8 sequence): any text
    // without '"', '\', control characters or incomplete UTF-8 leaves the state unchanged.
    bool in_string_body() const { return state_ == State::kString && utf8_left_ == 0; }
    // Containers open (0 before the top-level object and after it closes).
    int depth() const { return depth_; }

    bool operator==(const JsonPrefix& other) const;
    bool operator!=(const JsonPrefix& other) const { return !(*this == other); }
    size_t hash() const;

private:
    enum class State : uint8_t {
        kStart,                  // before the top-level object: whitespace or '{'
        kObjectFirstKey,         // after '{': whitespace, '"' or '}'
        kObjectKey,              // after ',' in an object: whitespace or '"'
        kColon,                  // after a key: whitespace or ':'
        kValue,                  // a value must start
        kArrayFirstValue,        // after '[': a value or ']'
        kAfterValue,             // after a value in a container: whitespace, ',' or the closer
        kString,                 // inside a string
        kEscape,                 // after '\' in a string
        kUnicode,                // \u hex digits (hex_left_ to go)
        kLowSurrogateBackslash,  // after a high surrogate escape: must see '\'
        kLowSurrogateU,          // ... then 'u'
        kMinus,                  // number: after '-'
        kZero,                   // number: a leading 0
        kIntDigits,              // number: integer digits (not a leading 0)
        kFractionStart,          // number: after '.'
        kFractionDigits,
        kExponentStart,  // number: after 'e' / 'E'
        kExponentSign,   // number: after the exponent's sign
        kExponentDigits,
        kLiteral,  // true / false / null: literal_ at literal_pos_
        kDone,     // the object is complete
        kInvalid,
    };

    bool push_value_start(unsigned char byte);
    bool close_value();  // a scalar or container value ended: where next
    bool push_string_byte(unsigned char byte);
    bool open(bool is_object);
    bool close(bool is_object);
    bool top_is_object() const;
    bool fail() {
        state_ = State::kInvalid;
        return false;
    }

    State state_ = State::kStart;
    bool string_is_key_ = false;
    uint8_t literal_ = 0;      // 0 true, 1 false, 2 null
    uint8_t literal_pos_ = 0;  // bytes of the literal matched
    uint8_t hex_left_ = 0;     // \u digits still to read
    uint8_t utf8_left_ = 0;    // continuation bytes still expected in a string
    uint8_t utf8_low_ = 0x80;  // allowed range of the next continuation byte
    uint8_t utf8_high_ = 0xBF;
    bool low_surrogate_ = false;  // the \u being read must be a low surrogate
    uint16_t code_unit_ = 0;      // \u value being read
    uint8_t digits_ = 0;          // integer or exponent digits of the number being read
    int16_t depth_ = 0;
    std::array<uint64_t, kMaxDepth / 64> is_object_{};  // bit d: container at depth d is an object
};

struct JsonPrefixHash {
    size_t operator()(const JsonPrefix& prefix) const { return prefix.hash(); }
};

}  // namespace hearth::text
