// The seam between the Tokenizer and the per-kind tokenization algorithms: turns a run of plain
// text (special tokens already split out) into token ids.
//
// Implementations are immutable after construction and keep only a reference to the Vocab they
// were built from (which must outlive them); encode() uses local state only, so any number of
// threads may call it at once.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace hearth::text {

class Encoder {
public:
    virtual ~Encoder() = default;

    // Appends the ids of `text` to `out`. `segment_start` is true when the text begins the input
    // or follows a special token: where SentencePiece's add_space_prefix puts its space.
    // Text need not be valid UTF-8; every byte is represented in the output.
    virtual void encode(std::string_view text, bool segment_start,
                        std::vector<int32_t>& out) const = 0;
};

}  // namespace hearth::text
