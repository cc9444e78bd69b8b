// Splits input text around the texts of special tokens, before the encoder sees it.
//
// Special tokens are those typed control, user-defined or unknown. User-defined tokens are
// always matched (as sentencepiece, HF tokenizers and llama.cpp do); control and unknown tokens
// only when parse_special is set, otherwise their text is ordinary text.
//
// Matching follows llama.cpp: the longest special text is split out first, everywhere in the
// text, then the next longest in what remains (equal lengths: lower id first).
//
// Immutable after construction; split() may run on any number of threads at once.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "text/vocab.h"

namespace hearth::text {

class SpecialTokenSplitter {
public:
    struct Fragment {
        int32_t id = kNoToken;  // the special token, or kNoToken for plain text
        std::string_view text;  // plain text (a view into the input), empty for a token
    };

    explicit SpecialTokenSplitter(const Vocab& vocab);

    // Non-empty text fragments and token fragments, in input order.
    std::vector<Fragment> split(std::string_view text, bool parse_special) const;

private:
    struct Special {
        int32_t id;
        std::string_view text;
        bool always;  // user-defined: matched even without parse_special
    };
    std::vector<Special> specials_;  // longest text first
};

}  // namespace hearth::text
