// Incremental detokenizer for streaming generated text: push(id) returns only whole UTF-8
// characters, never part of one. Bytes of a character split across tokens (SentencePiece byte
// fallback, byte-level BPE) are held until the character is complete (at most 3 bytes are ever
// held). Ill-formed sequences become U+FFFD as soon as they are known to be ill-formed, one per
// maximal ill-formed subpart, so bad bytes are never held forever; flush() turns what is still
// held at the end into U+FFFD.
//
// With SentencePiece's add_space_prefix, a stream that starts the text drops the leading space
// of its first non-control token, exactly like Tokenizer::decode; so the concatenation of every
// push() and the final flush() equals decode() of the same ids whenever that is valid UTF-8.
//
// One StreamDecoder per sequence, used by one thread at a time; the Tokenizer must outlive it.
#pragma once

#include <cstdint>
#include <string>

#include "text/tokenizer.h"

namespace hearth::text {

class StreamDecoder {
public:
    struct Options {
        bool render_special = false;  // show control tokens' text
        // The first token begins the text (apply the leading-space rule). False when the stream
        // continues a text, e.g. generated tokens after a prompt.
        bool starts_text = true;
    };

    explicit StreamDecoder(const Tokenizer& tokenizer) : StreamDecoder(tokenizer, Options{}) {}
    StreamDecoder(const Tokenizer& tokenizer, Options options);

    // The text this token completes (possibly empty).
    std::string push(int32_t id);
    // Ends the stream: whatever is still held comes back as U+FFFD.
    std::string flush();
    // Forgets held bytes and starts over (the leading-space rule applies again).
    void reset();

    // Bytes held back, waiting for the rest of a character (0..3).
    size_t pending_bytes() const { return pending_.size(); }

private:
    const Tokenizer& tokenizer_;
    Options options_;
    bool strip_pending_ = false;
    std::string pending_;
};

}  // namespace hearth::text
