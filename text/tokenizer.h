// The tokenizer of a GGUF language model, built from the file's tokenizer.* metadata alone:
// SentencePiece BPE (tokenizer.ggml.model "llama", text/spm.h) or byte-level BPE ("gpt2",
// text/bpe.h), with the vocabulary's special tokens (text/special_tokens.h).
//
// Matches llama.cpp's tokenization of the same files (and so the HF tokenizers the files came
// from), with these choices where a choice exists:
//   - add_space_prefix (SentencePiece): a space is put before the text and after every special
//     token, as llama.cpp does (sentencepiece itself would not add one after a user-defined
//     token);
//   - decode() returns the exact bytes of the tokens, without llama.cpp's optional clean-up of
//     spaces before punctuation, so decode(encode(x)) == x for any bytes x when no special
//     token is parsed (SentencePiece: x without U+2581 '▁', which decodes as a space).
//
// Immutable after construction: every const method may be called from any number of threads at
// once. Token ids outside [0, n_vocab()) are accepted everywhere and contribute nothing (the API
// edge should reject them first with is_valid()).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "formats/gguf.h"
#include "text/encoder.h"
#include "text/special_tokens.h"
#include "text/vocab.h"

namespace hearth::text {

class Tokenizer {
public:
    // The vocabulary is copied out of the file: the Tokenizer does not need the File afterwards.
    static Result<std::unique_ptr<Tokenizer>> from_gguf(const gguf::File& file);
    static std::unique_ptr<Tokenizer> from_vocab(Vocab vocab);

    Tokenizer(const Tokenizer&) = delete;
    Tokenizer& operator=(const Tokenizer&) = delete;

    // Text to ids. add_special: BOS/EOS around the text as the vocabulary says (add_bos_token,
    // add_eos_token). parse_special: texts of control tokens ("<|im_start|>", "<s>") in the
    // input become those tokens; otherwise they are tokenized as ordinary text. User-defined
    // tokens are matched either way. Any bytes are accepted (invalid UTF-8 included).
    std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;

    // The bytes a token stands for: SentencePiece '▁' as ' ', "<0xXX>" as that byte, byte-level
    // characters as their bytes. Control and unknown tokens give their text only when
    // render_special is set, "" otherwise; unused tokens give "". A piece may be part of a
    // UTF-8 character (see StreamDecoder).
    std::string_view piece(int32_t id, bool render_special) const;
    std::string token_to_piece(int32_t id, bool render_special) const {
        return std::string(piece(id, render_special));
    }

    // Ids to bytes: the pieces concatenated. With SentencePiece's add_space_prefix, the first
    // token that is not a control token loses one leading space (the one encode() added), as
    // llama.cpp's detokenizer does. The result may be invalid UTF-8 if the ids are.
    std::string decode(std::span<const int32_t> ids, bool render_special) const;

    // True if decoding from the start of a text drops the first text token's leading space.
    bool strips_leading_space() const { return strip_leading_space_; }

    int32_t n_vocab() const { return vocab_.n_tokens(); }
    bool is_valid(int32_t id) const { return vocab_.contains(id); }
    int32_t bos_id() const { return vocab_.bos_id(); }  // kNoToken if none
    int32_t eos_id() const { return vocab_.eos_id(); }
    int32_t eot_id() const { return vocab_.eot_id(); }
    int32_t eom_id() const { return vocab_.eom_id(); }
    int32_t unk_id() const { return vocab_.unk_id(); }
    int32_t pad_id() const { return vocab_.pad_id(); }
    bool add_bos() const { return vocab_.add_bos(); }
    bool add_eos() const { return vocab_.add_eos(); }

    // Whether sampling this token should end generation: eos, eot, eom, and the end-of-turn
    // control tokens models use to stop (<|im_end|>, <|eot_id|>, <|endoftext|>, ...).
    bool is_end_of_generation(int32_t id) const;

    // The token's text as stored in the vocabulary ("▁the", "Ġthe", "<0x0A>"); "" if invalid.
    std::string_view token_text(int32_t id) const;
    // kUndefined for an invalid id.
    TokenType token_type(int32_t id) const;
    bool is_control(int32_t id) const { return token_type(id) == TokenType::kControl; }
    // The token whose stored text is exactly `text`.
    std::optional<int32_t> find_token(std::string_view text) const { return vocab_.find(text); }

    const Vocab& vocab() const { return vocab_; }

private:
    explicit Tokenizer(Vocab vocab);

    Vocab vocab_;
    std::unique_ptr<Encoder> encoder_;  // refers to vocab_
    SpecialTokenSplitter splitter_;     // refers to vocab_
    std::vector<std::string> pieces_;   // per token, as rendered with render_special
    bool strip_leading_space_ = false;
};

}  // namespace hearth::text
