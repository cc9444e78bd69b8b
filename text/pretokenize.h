// Pre-tokenizers of byte-level BPE: split text into the pieces that BPE then merges inside, never
// across. Each is a hand-written matcher equivalent to a regex of the HF tokenizers family, with
// leftmost-first alternation and backtracking semantics as in python3-regex:
//
//   kGpt2    's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   kLlama3  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//            ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   kQwen2   as kLlama3 with \p{N} (one digit per piece) instead of \p{N}{1,3}
//
// \p{L}, \p{N} and \s are the classes of text/unicode.h. Text need not be valid UTF-8: each
// ill-formed unit (see text/utf8.h) counts as one character of none of the classes, like U+FFFD.
// Pure functions: any thread.
#pragma once

#include <string_view>
#include <vector>

namespace hearth::text {

enum class PreTokenizer { kGpt2, kLlama3, kQwen2 };

const char* pre_tokenizer_name(PreTokenizer kind);

// What a `tokenizer.ggml.pre` value selects.
struct PreTokenizerSpec {
    std::string_view gguf_name;
    PreTokenizer kind;
    bool ignore_merges;  // a pre-token that is itself a token is emitted whole (Llama 3)
    bool add_bos;        // the default of tokenizer.ggml.add_bos_token for this family
};

// The spec for a `tokenizer.ggml.pre` value, or nullptr if the name is not one we know.
const PreTokenizerSpec* find_pre_tokenizer(std::string_view gguf_name);

// Splits `text` into pre-tokens, appended to `out` as views into `text`; together they cover
// the text exactly, in order, and none is empty.
void pretokenize(PreTokenizer kind, std::string_view text, std::vector<std::string_view>& out);

}  // namespace hearth::text
