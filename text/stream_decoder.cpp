#include "text/stream_decoder.h"

#include "text/utf8.h"

namespace hearth::text {

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, Options options)
    : tokenizer_(tokenizer), options_(options) {
    reset();
}

void StreamDecoder::reset() {
    pending_.clear();
    strip_pending_ = options_.starts_text && tokenizer_.strips_leading_space();
}

std::string StreamDecoder::push(int32_t id) {
    std::string_view piece = tokenizer_.piece(id, options_.render_special);
    if (strip_pending_ && tokenizer_.is_valid(id) && !tokenizer_.is_control(id)) {
        if (!piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
        strip_pending_ = false;
    }
    if (piece.empty()) return {};
    pending_ += piece;

    std::string out;
    out.reserve(pending_.size());
    size_t offset = 0;
    while (offset < pending_.size()) {
        const utf8::Decoded unit = utf8::decode(pending_, offset);
        if (unit.truncated) break;  // may still complete with the next token
        if (unit.code_point == utf8::kInvalid) out += utf8::kReplacementUtf8;
        else out.append(pending_, offset, unit.length);
        offset += unit.length;
    }
    pending_.erase(0, offset);
    return out;
}

std::string StreamDecoder::flush() {
    std::string out;
    // What is held is one truncated character: one maximal ill-formed subpart.
    if (!pending_.empty()) out = utf8::kReplacementUtf8;
    pending_.clear();
    return out;
}

}  // namespace hearth::text
