// A tokenizer vocabulary read from GGUF metadata alone (works on vocabulary-only files).
//
// Keys (formats/gguf_keys.h): tokenizer.ggml.model ("llama" = SentencePiece BPE with byte
// fallback, "gpt2" = byte-level BPE), .tokens, .scores, .token_type, .merges, .pre, the
// bos/eos/eot/eom/unknown/padding/separator ids, .add_bos_token, .add_eos_token and
// .add_space_prefix.
//
// Everything is validated before it is used, so a hostile file gives an Error that names the
// problem, never a crash: array types and lengths agree, ids are in range, merges parse as
// "left right" over known tokens, token texts are unique, sizes are bounded.
//
// Defaults follow llama.cpp, the reference reader of these files: SentencePiece vocabularies
// default to bos 1, eos 2, unknown 0, add_bos true and add_space_prefix true; byte-level BPE to
// no special ids, add_bos false except for the Llama 3 pre-tokenizer family. An unknown
// tokenizer.ggml.pre falls back to GPT-2's pre-tokenizer with a logged warning.
// Tokens named like end-of-turn markers ("<|im_end|>", "<|eot_id|>", "<|endoftext|>", ...) are
// typed control and join the end-of-generation set, as llama.cpp does.
//
// Immutable after from_gguf; any thread may read it. Move-only (the text index points into the
// vocabulary's own storage).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "formats/gguf.h"
#include "text/pretokenize.h"

namespace hearth::text {

inline constexpr int32_t kNoToken = -1;

// GGUF's token types (tokenizer.ggml.token_type), numbered as in the file.
enum class TokenType : uint8_t {
    kUndefined = 0,
    kNormal = 1,
    kUnknown = 2,
    kControl = 3,       // <s>, <|im_start|>: matched in text only when asked, hidden in output
    kUserDefined = 4,   // always matched as a whole in text, always shown
    kUnused = 5,
    kByte = 6,          // SentencePiece byte fallback "<0x41>"
};

const char* token_type_name(TokenType type);

enum class VocabKind {
    kSpm,  // tokenizer.ggml.model "llama"
    kBpe,  // tokenizer.ggml.model "gpt2"
};

// A byte-level BPE merge: the tokens `left` and `right`, adjacent, become `result`. Its rank is
// its index in Vocab::merges() (lower merges first).
struct Merge {
    int32_t left = kNoToken;
    int32_t right = kNoToken;
    int32_t result = kNoToken;
};

class Vocab {
public:
    static constexpr size_t kMaxTokens = size_t{1} << 21;
    static constexpr size_t kMaxTokenBytes = size_t{1} << 16;
    static constexpr size_t kMaxMerges = size_t{1} << 22;

    Vocab(Vocab&&) noexcept = default;
    Vocab& operator=(Vocab&&) noexcept = default;
    Vocab(const Vocab&) = delete;
    Vocab& operator=(const Vocab&) = delete;

    static Result<Vocab> from_gguf(const gguf::File& file);

    VocabKind kind() const { return kind_; }
    int32_t n_tokens() const { return static_cast<int32_t>(types_.size()); }
    bool contains(int32_t id) const { return id >= 0 && id < n_tokens(); }

    // Per-token data; `id` must satisfy contains(id).
    std::string_view text(int32_t id) const;
    float score(int32_t id) const { return scores_[static_cast<size_t>(id)]; }
    TokenType type(int32_t id) const { return types_[static_cast<size_t>(id)]; }

    // The token whose text is exactly `text` (any type), if any.
    std::optional<int32_t> find(std::string_view text) const;
    // The byte a byte token's text "<0xXX>" stands for.
    static std::optional<uint8_t> parse_byte_token(std::string_view text);
    // SentencePiece byte-fallback token "<0xXX>" for a byte, or kNoToken.
    int32_t byte_token(uint8_t byte) const { return byte_tokens_[byte]; }

    // Special ids; kNoToken when the vocabulary has none.
    int32_t bos_id() const { return bos_id_; }
    int32_t eos_id() const { return eos_id_; }
    int32_t eot_id() const { return eot_id_; }
    int32_t eom_id() const { return eom_id_; }
    int32_t unk_id() const { return unk_id_; }
    int32_t pad_id() const { return pad_id_; }
    int32_t sep_id() const { return sep_id_; }
    bool add_bos() const { return add_bos_; }
    bool add_eos() const { return add_eos_; }
    bool add_space_prefix() const { return add_space_prefix_; }

    // Byte-level BPE only.
    PreTokenizer pre_tokenizer() const { return pre_tokenizer_; }
    const std::string& pre_tokenizer_name() const { return pre_name_; }
    bool ignore_merges() const { return ignore_merges_; }
    std::span<const Merge> merges() const { return merges_; }

    // Ids that end a generation: eos, eot, eom and the end-of-turn control tokens. Sorted.
    std::span<const int32_t> end_of_generation_ids() const { return eog_ids_; }

private:
    Vocab() = default;

    Status load_tokens(const gguf::File& file);
    Status load_special_ids(const gguf::File& file);
    Status load_flags(const gguf::File& file);
    Status load_merges(const gguf::File& file);
    void find_end_of_generation();
    Status index_byte_tokens();

    VocabKind kind_ = VocabKind::kSpm;
    std::vector<char> text_storage_;       // all token texts, back to back
    std::vector<uint32_t> text_offsets_;   // n_tokens + 1 offsets into text_storage_
    std::vector<float> scores_;
    std::vector<TokenType> types_;
    std::unordered_map<std::string_view, int32_t> ids_by_text_;  // views into text_storage_
    std::array<int32_t, 256> byte_tokens_{};

    int32_t bos_id_ = kNoToken;
    int32_t eos_id_ = kNoToken;
    int32_t eot_id_ = kNoToken;
    int32_t eom_id_ = kNoToken;
    int32_t unk_id_ = kNoToken;
    int32_t pad_id_ = kNoToken;
    int32_t sep_id_ = kNoToken;
    bool add_bos_ = false;
    bool add_eos_ = false;
    bool add_space_prefix_ = false;

    PreTokenizer pre_tokenizer_ = PreTokenizer::kGpt2;
    std::string pre_name_;
    bool ignore_merges_ = false;
    std::vector<Merge> merges_;
    std::vector<int32_t> eog_ids_;
};

}  // namespace hearth::text
