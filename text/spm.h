// SentencePiece BPE (tokenizer.ggml.model "llama"), as sentencepiece's BPE model encodes:
//   1. spaces become U+2581 '▁'; with add_space_prefix a '▁' is put before each segment;
//   2. the text is split into characters (each ill-formed UTF-8 unit is one character);
//   3. repeatedly, the adjacent pair whose concatenation is a token with the highest score is
//      merged (ties: the leftmost pair), over tokens typed normal, user-defined or unused;
//   4. a final piece that is an unused token is split back into the pieces it was merged from;
//      a piece that is no token at all falls back to its bytes' "<0xXX>" tokens, or to the
//      unknown token when a byte has none (consecutive unknowns collapse into one).
#pragma once

#include "text/encoder.h"
#include "text/vocab.h"

namespace hearth::text {

class SpmEncoder final : public Encoder {
public:
    explicit SpmEncoder(const Vocab& vocab) : vocab_(vocab) {}

    void encode(std::string_view text, bool segment_start,
                std::vector<int32_t>& out) const override;

private:
    const Vocab& vocab_;
};

}  // namespace hearth::text
