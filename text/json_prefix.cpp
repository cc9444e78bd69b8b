#include "text/json_prefix.h"

namespace hearth::text {
namespace {

bool is_json_space(unsigned char byte) {
    return byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r';
}
bool is_digit(unsigned char byte) {
    return byte >= '0' && byte <= '9';
}
bool is_hex(unsigned char byte) {
    return is_digit(byte) || (byte >= 'a' && byte <= 'f') || (byte >= 'A' && byte <= 'F');
}
unsigned hex_value(unsigned char byte) {
    if (is_digit(byte)) return byte - '0';
    return (byte | 0x20) - 'a' + 10;
}

constexpr std::string_view kLiterals[] = {"true", "false", "null"};

}  // namespace

bool JsonPrefix::in_string() const {
    switch (state_) {
        case State::kString:
        case State::kEscape:
        case State::kUnicode:
        case State::kLowSurrogateBackslash:
        case State::kLowSurrogateU:
            return true;
        default:
            return false;
    }
}

bool JsonPrefix::top_is_object() const {
    const int level = depth_ - 1;
    return ((is_object_[static_cast<size_t>(level / 64)] >> (level % 64)) & 1u) != 0;
}

bool JsonPrefix::open(bool is_object) {
    if (depth_ >= kMaxDepth) return fail();
    const int level = depth_;
    uint64_t& word = is_object_[static_cast<size_t>(level / 64)];
    const uint64_t bit = uint64_t{1} << (level % 64);
    word = is_object ? (word | bit) : (word & ~bit);
    ++depth_;
    state_ = is_object ? State::kObjectFirstKey : State::kArrayFirstValue;
    return true;
}

bool JsonPrefix::close(bool is_object) {
    if (depth_ == 0 || top_is_object() != is_object) return fail();
    // Clear the bit so equal documents give equal states.
    const int level = depth_ - 1;
    is_object_[static_cast<size_t>(level / 64)] &= ~(uint64_t{1} << (level % 64));
    --depth_;
    return close_value();
}

bool JsonPrefix::close_value() {
    // Reset per-token fields so equal documents-so-far give equal states (for caching).
    state_ = depth_ == 0 ? State::kDone : State::kAfterValue;
    string_is_key_ = false;
    literal_ = 0;
    literal_pos_ = 0;
    return true;
}

bool JsonPrefix::push_value_start(unsigned char byte) {
    switch (byte) {
        case '{':
            return open(true);
        case '[':
            return open(false);
        case '"':
            state_ = State::kString;
            string_is_key_ = false;
            return true;
        case '-':
            state_ = State::kMinus;
            return true;
        case '0':
            state_ = State::kZero;
            digits_ = 1;
            return true;
        case 't':
        case 'f':
        case 'n':
            state_ = State::kLiteral;
            literal_ = byte == 't' ? 0 : byte == 'f' ? 1 : 2;
            literal_pos_ = 1;
            return true;
        default:
            if (byte >= '1' && byte <= '9') {
                state_ = State::kIntDigits;
                digits_ = 1;
                return true;
            }
            return fail();
    }
}

bool JsonPrefix::push_string_byte(unsigned char byte) {
    if (utf8_left_ > 0) {  // continuation of a multi-byte character
        if (byte < utf8_low_ || byte > utf8_high_) return fail();
        --utf8_left_;
        utf8_low_ = 0x80;
        utf8_high_ = 0xBF;
        return true;
    }
    if (byte == '"') {
        if (string_is_key_) {
            state_ = State::kColon;
            string_is_key_ = false;
            return true;
        }
        return close_value();
    }
    if (byte == '\\') {
        state_ = State::kEscape;
        return true;
    }
    if (byte < 0x20) return fail();
    if (byte < 0x80) return true;
    // Lead bytes of well-formed UTF-8 (Unicode Table 3-7).
    if (byte >= 0xC2 && byte <= 0xDF) {
        utf8_left_ = 1;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
        utf8_left_ = 2;
        if (byte == 0xE0) utf8_low_ = 0xA0;
        if (byte == 0xED) utf8_high_ = 0x9F;  // no surrogates
    } else if (byte >= 0xF0 && byte <= 0xF4) {
        utf8_left_ = 3;
        if (byte == 0xF0) utf8_low_ = 0x90;
        if (byte == 0xF4) utf8_high_ = 0x8F;
    } else {
        return fail();
    }
    return true;
}

bool JsonPrefix::push(std::string_view text) {
    for (char ch : text)
        if (!push_byte(static_cast<unsigned char>(ch))) return false;
    return true;
}

bool JsonPrefix::push_byte(unsigned char byte) {
    switch (state_) {
        case State::kInvalid:
            return false;
        case State::kStart:
            if (is_json_space(byte)) return true;
            if (byte == '{') return open(true);
            return fail();
        case State::kDone:
            return is_json_space(byte) ? true : fail();
        case State::kObjectFirstKey:
        case State::kObjectKey:
            if (is_json_space(byte)) return true;
            if (byte == '"') {
                state_ = State::kString;
                string_is_key_ = true;
                return true;
            }
            if (byte == '}' && state_ == State::kObjectFirstKey) return close(true);
            return fail();
        case State::kColon:
            if (is_json_space(byte)) return true;
            if (byte == ':') {
                state_ = State::kValue;
                return true;
            }
            return fail();
        case State::kValue:
            if (is_json_space(byte)) return true;
            return push_value_start(byte);
        case State::kArrayFirstValue:
            if (is_json_space(byte)) return true;
            if (byte == ']') return close(false);
            return push_value_start(byte);
        case State::kAfterValue:
            if (is_json_space(byte)) return true;
            if (byte == ',') {
                state_ = top_is_object() ? State::kObjectKey : State::kValue;
                return true;
            }
            if (byte == '}') return close(true);
            if (byte == ']') return close(false);
            return fail();
        case State::kString:
            return push_string_byte(byte);
        case State::kEscape:
            switch (byte) {
                case '"':
                case '\\':
                case '/':
                case 'b':
                case 'f':
                case 'n':
                case 'r':
                case 't':
                    state_ = State::kString;
                    return true;
                case 'u':
                    state_ = State::kUnicode;
                    hex_left_ = 4;
                    code_unit_ = 0;
                    low_surrogate_ = false;
                    return true;
                default:
                    return fail();
            }
        case State::kUnicode: {
            if (!is_hex(byte)) return fail();
            code_unit_ = static_cast<uint16_t>((code_unit_ << 4) | hex_value(byte));
            --hex_left_;
            // Refuse a surrogate mistake at the first digit that makes it certain, so every
            // accepted prefix can still be completed.
            if (hex_left_ == 3 && low_surrogate_ && code_unit_ != 0xD) return fail();
            if (hex_left_ == 2) {
                const bool low_range = code_unit_ >= 0xDC && code_unit_ <= 0xDF;
                if (low_surrogate_ != low_range) return fail();
            }
            if (hex_left_ > 0) return true;
            const bool high = code_unit_ >= 0xD800 && code_unit_ <= 0xDBFF;
            const bool low = code_unit_ >= 0xDC00 && code_unit_ <= 0xDFFF;
            code_unit_ = 0;
            if (low_surrogate_) {
                if (!low) return fail();
                low_surrogate_ = false;
                state_ = State::kString;
                return true;
            }
            if (low) return fail();  // a low surrogate with no high one before it
            state_ = high ? State::kLowSurrogateBackslash : State::kString;
            return true;
        }
        case State::kLowSurrogateBackslash:
            if (byte != '\\') return fail();
            state_ = State::kLowSurrogateU;
            return true;
        case State::kLowSurrogateU:
            if (byte != 'u') return fail();
            state_ = State::kUnicode;
            hex_left_ = 4;
            code_unit_ = 0;
            low_surrogate_ = true;
            return true;
        case State::kMinus:
            if (byte == '0') {
                state_ = State::kZero;
                digits_ = 1;
                return true;
            }
            if (byte >= '1' && byte <= '9') {
                state_ = State::kIntDigits;
                digits_ = 1;
                return true;
            }
            return fail();
        case State::kZero:
        case State::kIntDigits:
            if (is_digit(byte) && state_ == State::kIntDigits) {
                return ++digits_ <= kMaxIntegerDigits ? true : fail();
            }
            digits_ = 0;
            if (byte == '.') {
                state_ = State::kFractionStart;
                return true;
            }
            if (byte == 'e' || byte == 'E') {
                state_ = State::kExponentStart;
                return true;
            }
            state_ = State::kAfterValue;  // the number ended: this byte follows it
            return push_byte(byte);
        case State::kFractionStart:
            if (!is_digit(byte)) return fail();
            state_ = State::kFractionDigits;
            return true;
        case State::kFractionDigits:
            if (is_digit(byte)) return true;
            if (byte == 'e' || byte == 'E') {
                state_ = State::kExponentStart;
                return true;
            }
            state_ = State::kAfterValue;
            return push_byte(byte);
        case State::kExponentStart:
            if (byte == '+' || byte == '-') {
                state_ = State::kExponentSign;
                return true;
            }
            [[fallthrough]];
        case State::kExponentSign:
            if (!is_digit(byte)) return fail();
            state_ = State::kExponentDigits;
            digits_ = 1;
            return true;
        case State::kExponentDigits:
            if (is_digit(byte)) return ++digits_ <= kMaxExponentDigits ? true : fail();
            digits_ = 0;
            state_ = State::kAfterValue;
            return push_byte(byte);
        case State::kLiteral: {
            const std::string_view literal = kLiterals[literal_];
            if (byte != static_cast<unsigned char>(literal[literal_pos_])) return fail();
            if (++literal_pos_ < literal.size()) return true;
            literal_pos_ = 0;
            return close_value();
        }
    }
    return fail();
}

bool JsonPrefix::operator==(const JsonPrefix& other) const {
    return state_ == other.state_ && string_is_key_ == other.string_is_key_ &&
           literal_ == other.literal_ && literal_pos_ == other.literal_pos_ &&
           hex_left_ == other.hex_left_ && utf8_left_ == other.utf8_left_ &&
           utf8_low_ == other.utf8_low_ && utf8_high_ == other.utf8_high_ &&
           low_surrogate_ == other.low_surrogate_ && code_unit_ == other.code_unit_ &&
           digits_ == other.digits_ && depth_ == other.depth_ && is_object_ == other.is_object_;
}

size_t JsonPrefix::hash() const {
    uint64_t h = static_cast<uint64_t>(state_);
    auto mix = [&h](uint64_t value) { h = (h ^ value) * 0x100000001B3ull + 0x9E3779B97F4A7C15ull; };
    mix(string_is_key_);
    mix(literal_ | (literal_pos_ << 8) | (hex_left_ << 16) | (utf8_left_ << 24));
    mix(utf8_low_ | (utf8_high_ << 8) | (static_cast<uint64_t>(low_surrogate_) << 16));
    mix(code_unit_ | (static_cast<uint64_t>(digits_) << 16));
    mix(static_cast<uint64_t>(depth_));
    for (uint64_t word : is_object_) mix(word);
    return static_cast<size_t>(h);
}

}  // namespace hearth::text
