// Byte-level BPE (tokenizer.ggml.model "gpt2"), as GPT-2 / Llama 3 / Qwen2 encode:
//   1. the text is split into pre-tokens (text/pretokenize.h; the kind comes from the vocab);
//   2. each byte of a pre-token becomes the token of its byte-level character (byte_level.h);
//   3. repeatedly, the adjacent pair with the lowest merge rank is merged (ties: leftmost);
//   4. with ignore_merges (Llama 3), a pre-token that is itself a token is emitted whole first.
// A byte whose character is not in the vocabulary gives the unknown token, or nothing when the
// vocabulary has none. No cache: each call works in its own buffers.
#pragma once

#include <array>
#include <unordered_map>

#include "text/encoder.h"
#include "text/vocab.h"

namespace hearth::text {

class BpeEncoder final : public Encoder {
public:
    explicit BpeEncoder(const Vocab& vocab);

    void encode(std::string_view text, bool segment_start,
                std::vector<int32_t>& out) const override;

private:
    struct MergeTarget {
        int32_t rank;
        int32_t result;
    };
    static uint64_t pair_key(int32_t left, int32_t right) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
               static_cast<uint32_t>(right);
    }
    void encode_word(std::string_view word, std::vector<int32_t>& out) const;

    const Vocab& vocab_;
    std::array<int32_t, 256> byte_ids_{};                 // token of each byte's character
    std::unordered_map<uint64_t, MergeTarget> merges_;   // pair_key(left, right) -> merge
};

}  // namespace hearth::text
