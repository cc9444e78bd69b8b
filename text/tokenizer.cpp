#include "text/tokenizer.h"

#include <algorithm>

#include "text/bpe.h"
#include "text/byte_level.h"
#include "text/spm.h"
#include "text/utf8.h"

namespace hearth::text {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // U+2581 '▁'

bool is_hidden_unless_special(TokenType type) {
    return type == TokenType::kControl || type == TokenType::kUnknown;
}

std::string spm_piece(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t offset = 0; offset < text.size();) {
        if (text.substr(offset, kSpaceSymbol.size()) == kSpaceSymbol) {
            out += ' ';
            offset += kSpaceSymbol.size();
        } else {
            out += text[offset++];
        }
    }
    return out;
}

// Byte-level characters back to bytes; a character outside the 256 is kept as it is.
std::string byte_level_piece(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t offset = 0; offset < text.size();) {
        const utf8::Decoded unit = utf8::decode(text, offset);
        const auto byte = byte_level::code_point_to_byte(unit.code_point);
        if (byte) out += static_cast<char>(*byte);
        else out.append(text.substr(offset, unit.length));
        offset += unit.length;
    }
    return out;
}

std::string render_piece(const Vocab& vocab, int32_t id) {
    const std::string_view text = vocab.text(id);
    switch (vocab.type(id)) {
        case TokenType::kNormal:
            return vocab.kind() == VocabKind::kSpm ? spm_piece(text) : byte_level_piece(text);
        case TokenType::kUnknown:
        case TokenType::kControl:
        case TokenType::kUserDefined: return std::string(text);
        case TokenType::kByte: {
            // Vocab validated every byte token's text as "<0xXX>".
            const auto byte = Vocab::parse_byte_token(text);
            return byte ? std::string(1, static_cast<char>(*byte)) : std::string();
        }
        case TokenType::kUnused:
        case TokenType::kUndefined: return {};
    }
    return {};
}

}  // namespace

Tokenizer::Tokenizer(Vocab vocab) : vocab_(std::move(vocab)), splitter_(vocab_) {
    if (vocab_.kind() == VocabKind::kSpm) encoder_ = std::make_unique<SpmEncoder>(vocab_);
    else encoder_ = std::make_unique<BpeEncoder>(vocab_);
    pieces_.reserve(static_cast<size_t>(vocab_.n_tokens()));
    for (int32_t id = 0; id < vocab_.n_tokens(); ++id) pieces_.push_back(render_piece(vocab_, id));
    strip_leading_space_ = vocab_.kind() == VocabKind::kSpm && vocab_.add_space_prefix();
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_gguf(const gguf::File& file) {
    HEARTH_ASSIGN_OR_RETURN(Vocab vocab, Vocab::from_gguf(file));
    return from_vocab(std::move(vocab));
}

std::unique_ptr<Tokenizer> Tokenizer::from_vocab(Vocab vocab) {
    return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(vocab)));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
    std::vector<int32_t> out;
    out.reserve(text.size() / 3 + 2);
    if (add_special && vocab_.add_bos()) out.push_back(vocab_.bos_id());
    bool segment_start = true;
    for (const SpecialTokenSplitter::Fragment& fragment : splitter_.split(text, parse_special)) {
        if (fragment.id != kNoToken) {
            out.push_back(fragment.id);
            segment_start = true;
        } else {
            encoder_->encode(fragment.text, segment_start, out);
            segment_start = false;
        }
    }
    if (add_special && vocab_.add_eos()) out.push_back(vocab_.eos_id());
    return out;
}

std::string_view Tokenizer::piece(int32_t id, bool render_special) const {
    if (!vocab_.contains(id)) return {};
    if (!render_special && is_hidden_unless_special(vocab_.type(id))) return {};
    return pieces_[static_cast<size_t>(id)];
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool render_special) const {
    std::string out;
    bool strip_pending = strip_leading_space_;
    for (int32_t id : ids) {
        std::string_view text = piece(id, render_special);
        if (strip_pending && vocab_.contains(id) && vocab_.type(id) != TokenType::kControl) {
            if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
            strip_pending = false;
        }
        out += text;
    }
    return out;
}

bool Tokenizer::is_end_of_generation(int32_t id) const {
    const std::span<const int32_t> ids = vocab_.end_of_generation_ids();
    return std::binary_search(ids.begin(), ids.end(), id);
}

std::string_view Tokenizer::token_text(int32_t id) const {
    return vocab_.contains(id) ? vocab_.text(id) : std::string_view{};
}

TokenType Tokenizer::token_type(int32_t id) const {
    return vocab_.contains(id) ? vocab_.type(id) : TokenType::kUndefined;
}

}  // namespace hearth::text
