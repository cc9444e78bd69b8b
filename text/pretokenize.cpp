// The pre-tokenizer matchers. Each match_* function is one regex, alternative by alternative in
// the regex's order; the first alternative that matches at `pos` wins (as in a backtracking
// engine), and every position matches some alternative, so the scan always advances.
#include "text/pretokenize.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "text/unicode.h"
#include "text/utf8.h"

namespace hearth::text {
namespace {

constexpr std::array kSpecs = {
    // GPT-2's regex. "default" is what a missing tokenizer.ggml.pre means.
    PreTokenizerSpec{"default", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"gpt-2", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"phi-2", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"roberta-bpe", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"gigachat", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"jina-es", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"jina-de", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"jina-v1-en", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"jina-v2-es", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"jina-v2-de", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"jina-v2-code", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"mpt", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"olmo", PreTokenizer::kGpt2, false, false},
    PreTokenizerSpec{"jais", PreTokenizer::kGpt2, false, false},
    // Llama 3's regex (tiktoken cl100k style).
    PreTokenizerSpec{"llama-bpe", PreTokenizer::kLlama3, true, true},
    PreTokenizerSpec{"llama3", PreTokenizer::kLlama3, true, true},
    PreTokenizerSpec{"llama-v3", PreTokenizer::kLlama3, true, true},
    PreTokenizerSpec{"falcon3", PreTokenizer::kLlama3, true, true},
    PreTokenizerSpec{"dbrx", PreTokenizer::kLlama3, false, false},
    PreTokenizerSpec{"smaug-bpe", PreTokenizer::kLlama3, false, false},
    // Qwen2's regex: Llama 3's with single digits.
    PreTokenizerSpec{"qwen2", PreTokenizer::kQwen2, false, false},
    PreTokenizerSpec{"deepseek-r1-qwen", PreTokenizer::kQwen2, false, false},
    PreTokenizerSpec{"megrez", PreTokenizer::kQwen2, false, false},
    PreTokenizerSpec{"stablelm2", PreTokenizer::kQwen2, false, false},
};

// The text decoded once into characters (ill-formed units included), so the matchers can look
// ahead and back by character.
class Chars {
public:
    explicit Chars(std::string_view text) {
        for (size_t offset = 0; offset < text.size();) {
            const utf8::Decoded unit = utf8::decode(text, offset);
            code_points_.push_back(unit.code_point);
            flags_.push_back(unicode::classes(unit.code_point));
            offsets_.push_back(offset);
            offset += unit.length;
        }
        offsets_.push_back(text.size());
    }

    size_t size() const { return code_points_.size(); }
    size_t offset(size_t idx) const { return offsets_[idx]; }
    uint32_t code_point(size_t idx) const { return idx < size() ? code_points_[idx] : 0; }
    bool is(size_t idx, uint32_t code_point) const {
        return idx < size() && code_points_[idx] == code_point;
    }
    bool letter(size_t idx) const { return idx < size() && (flags_[idx] & unicode::kLetter); }
    bool number(size_t idx) const { return idx < size() && (flags_[idx] & unicode::kNumber); }
    bool space(size_t idx) const { return idx < size() && (flags_[idx] & unicode::kWhitespace); }
    // [^\s\p{L}\p{N}]
    bool other(size_t idx) const { return idx < size() && flags_[idx] == 0; }
    bool newline(size_t idx) const { return is(idx, '\r') || is(idx, '\n'); }

    // End of the run of characters from `idx` that satisfy `pred`.
    template <typename Pred>
    size_t run_end(size_t idx, Pred pred) const {
        while (pred(idx)) ++idx;
        return idx;
    }

private:
    std::vector<uint32_t> code_points_;
    std::vector<uint8_t> flags_;
    std::vector<size_t> offsets_;  // size() + 1 entries
};

bool is_ascii_case_insensitive(uint32_t code_point, char lower) {
    return code_point == static_cast<uint32_t>(lower) ||
           code_point == static_cast<uint32_t>(lower - 'a' + 'A');
}

// 's|'t|'re|'ve|'m|'ll|'d, case-sensitive or with (?i:...). Returns the end, or 0 for no match.
// Under (?i) python3-regex also folds U+017F LATIN SMALL LETTER LONG S to 's'.
size_t match_contraction(const Chars& chars, size_t pos, bool ignore_case) {
    if (!chars.is(pos, '\'')) return 0;
    auto matches = [&](size_t idx, char lower) {
        if (idx >= chars.size()) return false;
        const uint32_t code_point = chars.code_point(idx);
        if (!ignore_case) return code_point == static_cast<uint32_t>(lower);
        if (lower == 's' && code_point == 0x17F) return true;
        return is_ascii_case_insensitive(code_point, lower);
    };
    if (matches(pos + 1, 's') || matches(pos + 1, 't') || matches(pos + 1, 'm') ||
        matches(pos + 1, 'd'))
        return pos + 2;
    if ((matches(pos + 1, 'r') && matches(pos + 2, 'e')) ||
        (matches(pos + 1, 'v') && matches(pos + 2, 'e')) ||
        (matches(pos + 1, 'l') && matches(pos + 2, 'l')))
        return pos + 3;
    return 0;
}

// \s+(?!\S)|\s+ at a whitespace character: the run, less its last character when the run has
// two or more and a non-space follows (that character then leads the next piece).
size_t match_space_run(const Chars& chars, size_t pos) {
    const size_t end = chars.run_end(pos, [&](size_t idx) { return chars.space(idx); });
    if (end < chars.size() && end - pos >= 2) return end - 1;
    return end;
}

size_t match_gpt2(const Chars& chars, size_t pos) {
    if (size_t end = match_contraction(chars, pos, false)) return end;
    // ` ?\p{L}+`, then ` ?\p{N}+`, then ` ?[^\s\p{L}\p{N}]+`.
    const bool leading_space = chars.is(pos, ' ');
    auto optional_space_run = [&](auto pred) -> size_t {
        if (leading_space && pred(pos + 1)) return chars.run_end(pos + 1, pred);
        if (pred(pos)) return chars.run_end(pos, pred);
        return 0;
    };
    if (size_t end = optional_space_run([&](size_t idx) { return chars.letter(idx); })) return end;
    if (size_t end = optional_space_run([&](size_t idx) { return chars.number(idx); })) return end;
    if (size_t end = optional_space_run([&](size_t idx) { return chars.other(idx); })) return end;
    return match_space_run(chars, pos);
}

size_t match_llama3(const Chars& chars, size_t pos, size_t max_digits) {
    if (size_t end = match_contraction(chars, pos, true)) return end;
    auto letter = [&](size_t idx) { return chars.letter(idx); };
    auto other = [&](size_t idx) { return chars.other(idx); };
    auto newline = [&](size_t idx) { return chars.newline(idx); };
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (chars.letter(pos)) return chars.run_end(pos, letter);
    if (!chars.newline(pos) && !chars.number(pos) && chars.letter(pos + 1))
        return chars.run_end(pos + 1, letter);
    // \p{N}{1,3} (Llama 3) or \p{N} (Qwen2)
    if (chars.number(pos)) {
        size_t end = pos;
        while (end - pos < max_digits && chars.number(end)) ++end;
        return end;
    }
    // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
    const size_t start = chars.is(pos, ' ') && chars.other(pos + 1) ? pos + 1 : pos;
    if (chars.other(start)) return chars.run_end(chars.run_end(start, other), newline);
    // \s*[\r\n]+ : the whitespace run up to and including its last line break, if it has one.
    const size_t space_end = chars.run_end(pos, [&](size_t idx) { return chars.space(idx); });
    for (size_t idx = space_end; idx > pos; --idx) {
        if (chars.newline(idx - 1)) return idx;
    }
    return match_space_run(chars, pos);
}

}  // namespace

const char* pre_tokenizer_name(PreTokenizer kind) {
    switch (kind) {
        case PreTokenizer::kGpt2: return "gpt2";
        case PreTokenizer::kLlama3: return "llama3";
        case PreTokenizer::kQwen2: return "qwen2";
    }
    return "unknown";
}

const PreTokenizerSpec* find_pre_tokenizer(std::string_view gguf_name) {
    auto it = std::find_if(kSpecs.begin(), kSpecs.end(), [&](const PreTokenizerSpec& spec) {
        return spec.gguf_name == gguf_name;
    });
    return it == kSpecs.end() ? nullptr : &*it;
}

void pretokenize(PreTokenizer kind, std::string_view text, std::vector<std::string_view>& out) {
    const Chars chars(text);
    for (size_t pos = 0; pos < chars.size();) {
        size_t end = 0;
        switch (kind) {
            case PreTokenizer::kGpt2: end = match_gpt2(chars, pos); break;
            case PreTokenizer::kLlama3: end = match_llama3(chars, pos, 3); break;
            case PreTokenizer::kQwen2: end = match_llama3(chars, pos, 1); break;
        }
        // Every character is a letter, a number, whitespace or other, and each class is matched
        // by some alternative.
        if (end <= pos) end = pos + 1;
        out.push_back(text.substr(chars.offset(pos), chars.offset(end) - chars.offset(pos)));
        pos = end;
    }
}

}  // namespace hearth::text
