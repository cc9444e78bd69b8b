#include "text/vocab.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "base/log.h"
#include "formats/gguf_keys.h"

namespace hearth::text {
namespace keys = gguf::keys;

namespace {

// Texts of tokens that end a turn, in the order llama.cpp prefers them as the eot id when the
// file names none. Each one present is typed control and ends generation.
constexpr std::array<std::string_view, 7> kEndOfTurnTexts = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>",
    "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",  // DeepSeek
};
constexpr std::string_view kEndOfMessageText = "<|eom_id|>";

Error corrupt(std::string message) { return Error{Errc::kCorrupt, std::move(message)}; }

// An optional numeric metadata array of exactly n_tokens elements.
Result<const gguf::Value*> optional_token_array(const gguf::File& file, std::string_view key,
                                                size_t n_tokens) {
    const gguf::Value* value = file.find(key);
    if (!value) return static_cast<const gguf::Value*>(nullptr);
    if (!value->is_array())
        return Error::make(Errc::kCorrupt, "metadata '{}' is a {}, expected an array", key,
                           gguf::value_type_name(value->type()));
    if (value->array_size() != n_tokens)
        return Error::make(Errc::kCorrupt, "metadata '{}' has {} entries but there are {} tokens",
                           key, value->array_size(), n_tokens);
    return value;
}

}  // namespace

std::optional<uint8_t> Vocab::parse_byte_token(std::string_view text) {
    // "<0xXX>"
    if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return std::nullopt;
    uint32_t value = 0;
    for (char ch : text.substr(3, 2)) {
        value <<= 4;
        if (ch >= '0' && ch <= '9') value |= static_cast<uint32_t>(ch - '0');
        else if (ch >= 'A' && ch <= 'F') value |= static_cast<uint32_t>(ch - 'A' + 10);
        else if (ch >= 'a' && ch <= 'f') value |= static_cast<uint32_t>(ch - 'a' + 10);
        else return std::nullopt;
    }
    return static_cast<uint8_t>(value);
}

namespace {

// Shortens a token text for an error message.
std::string quoted(std::string_view text) {
    constexpr size_t kMaxShown = 40;
    std::string shown(text.substr(0, kMaxShown));
    if (text.size() > kMaxShown) shown += "...";
    return "'" + shown + "'";
}

}  // namespace

const char* token_type_name(TokenType type) {
    switch (type) {
        case TokenType::kUndefined: return "undefined";
        case TokenType::kNormal: return "normal";
        case TokenType::kUnknown: return "unknown";
        case TokenType::kControl: return "control";
        case TokenType::kUserDefined: return "user-defined";
        case TokenType::kUnused: return "unused";
        case TokenType::kByte: return "byte";
    }
    return "invalid";
}

std::string_view Vocab::text(int32_t id) const {
    const auto idx = static_cast<size_t>(id);
    return {text_storage_.data() + text_offsets_[idx], text_offsets_[idx + 1] - text_offsets_[idx]};
}

std::optional<int32_t> Vocab::find(std::string_view text) const {
    auto it = ids_by_text_.find(text);
    if (it == ids_by_text_.end()) return std::nullopt;
    return it->second;
}

Result<Vocab> Vocab::from_gguf(const gguf::File& file) {
    Vocab vocab;
    auto model = file.get_string(keys::kTokenizerModel);
    if (!model.ok()) return model.error().wrap("the file has no usable tokenizer");
    if (*model == "llama") {
        vocab.kind_ = VocabKind::kSpm;
    } else if (*model == "gpt2") {
        vocab.kind_ = VocabKind::kBpe;
    } else {
        return Error::make(Errc::kUnsupported,
                           "tokenizer model '{}' ({}) is not supported; supported are 'llama' "
                           "(SentencePiece BPE) and 'gpt2' (byte-level BPE)",
                           *model, keys::kTokenizerModel);
    }
    HEARTH_TRY(vocab.load_tokens(file));
    HEARTH_TRY(vocab.index_byte_tokens());
    HEARTH_TRY(vocab.load_special_ids(file));
    HEARTH_TRY(vocab.load_flags(file));
    if (vocab.kind_ == VocabKind::kBpe) HEARTH_TRY(vocab.load_merges(file));
    vocab.find_end_of_generation();
    return vocab;
}

Status Vocab::load_tokens(const gguf::File& file) {
    HEARTH_ASSIGN_OR_RETURN(const gguf::Value* tokens,
                            file.get_array(keys::kTokenizerTokens, gguf::ValueType::kString));
    const std::span<const std::string_view> texts = tokens->array_strings();
    const size_t n_tokens = texts.size();
    if (n_tokens == 0) return corrupt(fmt::format("'{}' is empty", keys::kTokenizerTokens));
    if (n_tokens > kMaxTokens)
        return Error::make(Errc::kOutOfRange,
                           "the vocabulary has {} tokens, more than the {} allowed", n_tokens,
                           kMaxTokens);

    size_t total_bytes = 0;
    for (size_t idx = 0; idx < n_tokens; ++idx) {
        if (texts[idx].size() > kMaxTokenBytes)
            return Error::make(Errc::kOutOfRange,
                               "token {} is {} bytes long, more than the {} allowed", idx,
                               texts[idx].size(), kMaxTokenBytes);
        total_bytes += texts[idx].size();
    }
    if (total_bytes > UINT32_MAX)
        return Error::make(Errc::kOutOfRange, "the token texts total {} bytes", total_bytes);
    text_storage_.reserve(total_bytes);
    text_offsets_.reserve(n_tokens + 1);
    for (std::string_view text : texts) {
        text_offsets_.push_back(static_cast<uint32_t>(text_storage_.size()));
        text_storage_.insert(text_storage_.end(), text.begin(), text.end());
    }
    text_offsets_.push_back(static_cast<uint32_t>(text_storage_.size()));

    scores_.assign(n_tokens, 0.0f);
    HEARTH_ASSIGN_OR_RETURN(const gguf::Value* scores,
                            optional_token_array(file, keys::kTokenizerScores, n_tokens));
    if (scores) {
        auto values = scores->array_as_f32();
        if (!values)
            return Error::make(Errc::kCorrupt, "metadata '{}' is an array of {}, expected numbers",
                               keys::kTokenizerScores, gguf::value_type_name(scores->array_type()));
        for (size_t idx = 0; idx < n_tokens; ++idx) {
            if (std::isnan((*values)[idx]))
                return Error::make(Errc::kCorrupt, "the score of token {} is not a number", idx);
        }
        scores_ = std::move(*values);
    }

    types_.assign(n_tokens, TokenType::kNormal);
    HEARTH_ASSIGN_OR_RETURN(const gguf::Value* types,
                            optional_token_array(file, keys::kTokenizerTokenType, n_tokens));
    if (types) {
        auto values = types->array_as_int();
        if (!values)
            return Error::make(Errc::kCorrupt, "metadata '{}' is an array of {}, expected integers",
                               keys::kTokenizerTokenType,
                               gguf::value_type_name(types->array_type()));
        for (size_t idx = 0; idx < n_tokens; ++idx) {
            const int64_t value = (*values)[idx];
            if (value < 0 || value > static_cast<int64_t>(TokenType::kByte))
                return Error::make(Errc::kCorrupt, "token {} has type {}, expected 0..6", idx,
                                   value);
            types_[idx] = static_cast<TokenType>(value);
        }
    }

    ids_by_text_.reserve(n_tokens);
    for (size_t idx = 0; idx < n_tokens; ++idx) {
        const auto id = static_cast<int32_t>(idx);
        const std::string_view token = text(id);
        if (token.empty()) continue;  // cannot be matched; decodes to nothing
        auto [it, inserted] = ids_by_text_.emplace(token, id);
        if (!inserted)
            return Error::make(Errc::kCorrupt, "token {} has the same text {} as token {}", idx,
                               quoted(token), it->second);
    }
    return ok_status();
}

Status Vocab::index_byte_tokens() {
    byte_tokens_.fill(kNoToken);
    for (int32_t id = 0; id < n_tokens(); ++id) {
        if (type(id) != TokenType::kByte) continue;
        const auto byte = parse_byte_token(text(id));
        if (!byte)
            return Error::make(Errc::kCorrupt, "byte token {} has text {}, expected '<0xXX>'", id,
                               quoted(text(id)));
        if (byte_tokens_[*byte] == kNoToken) byte_tokens_[*byte] = id;
    }
    return ok_status();
}

Status Vocab::load_special_ids(const gguf::File& file) {
    if (kind_ == VocabKind::kSpm) {
        // llama.cpp's defaults for SentencePiece vocabularies (LLaMA's <unk> <s> </s>).
        unk_id_ = contains(0) ? 0 : kNoToken;
        bos_id_ = contains(1) ? 1 : kNoToken;
        eos_id_ = contains(2) ? 2 : kNoToken;
    }
    struct SpecialKey {
        std::string_view key;
        int32_t* id;
        bool required_in_range;  // false: an out-of-range id is ignored with a warning
    };
    const SpecialKey special_keys[] = {
        {keys::kTokenizerBosId, &bos_id_, true},  {keys::kTokenizerEosId, &eos_id_, true},
        {keys::kTokenizerEotId, &eot_id_, true},  {keys::kTokenizerEomId, &eom_id_, true},
        {keys::kTokenizerUnkId, &unk_id_, true},  {keys::kTokenizerPadId, &pad_id_, false},
        {keys::kTokenizerSepId, &sep_id_, false},
    };
    for (const SpecialKey& special : special_keys) {
        const gguf::Value* value = file.find(special.key);
        if (!value) continue;
        const auto id = value->as_int();
        if (!id) {
            if (value->is_integer())
                return Error::make(Errc::kCorrupt, "metadata '{}' is out of range", special.key);
            return Error::make(Errc::kCorrupt,
                               "metadata '{}' is a {}, expected an integer token id", special.key,
                               gguf::value_type_name(value->type()));
        }
        if (*id < 0 || *id >= n_tokens()) {
            if (special.required_in_range)
                return Error::make(Errc::kCorrupt, "metadata '{}' is {}, outside the vocabulary "
                                   "of {} tokens", special.key, *id, n_tokens());
            log::warn("tokenizer: ignoring '{}' = {}, outside the vocabulary of {} tokens",
                      special.key, *id, n_tokens());
            *special.id = kNoToken;
            continue;
        }
        *special.id = static_cast<int32_t>(*id);
    }
    return ok_status();
}

Status Vocab::load_flags(const gguf::File& file) {
    const PreTokenizerSpec* spec = nullptr;
    if (kind_ == VocabKind::kBpe) {
        auto pre = file.get_string(keys::kTokenizerPre);
        if (pre.ok()) {
            pre_name_ = std::string(*pre);
        } else if (pre.error().code == Errc::kNotFound) {
            pre_name_ = "default";
        } else {
            return pre.take_error();
        }
        spec = find_pre_tokenizer(pre_name_);
        if (!spec) {
            log::warn("tokenizer: unknown pre-tokenizer '{}' ({}); using GPT-2's, so tokens may "
                      "differ from what the model was trained on", pre_name_, keys::kTokenizerPre);
            spec = find_pre_tokenizer("default");
        }
        pre_tokenizer_ = spec->kind;
        ignore_merges_ = spec->ignore_merges;
    }

    auto read_flag = [&](std::string_view key, bool fallback, bool& out) -> Status {
        auto flag = file.get_bool(key);
        if (flag.ok()) {
            out = *flag;
        } else if (flag.error().code == Errc::kNotFound) {
            out = fallback;
        } else {
            return flag.take_error();
        }
        return ok_status();
    };
    const bool spm = kind_ == VocabKind::kSpm;
    HEARTH_TRY(read_flag(keys::kTokenizerAddBos, spm || (spec && spec->add_bos), add_bos_));
    HEARTH_TRY(read_flag(keys::kTokenizerAddEos, false, add_eos_));
    HEARTH_TRY(read_flag(keys::kTokenizerAddSpacePrefix, spm, add_space_prefix_));
    if (add_bos_ && bos_id_ == kNoToken)
        return Error::make(Errc::kCorrupt, "the vocabulary asks for a BOS token ('{}') but has "
                           "none ('{}')", keys::kTokenizerAddBos, keys::kTokenizerBosId);
    if (add_eos_ && eos_id_ == kNoToken)
        return Error::make(Errc::kCorrupt, "the vocabulary asks for an EOS token ('{}') but has "
                           "none ('{}')", keys::kTokenizerAddEos, keys::kTokenizerEosId);
    return ok_status();
}

Status Vocab::load_merges(const gguf::File& file) {
    auto merges = file.get_array(keys::kTokenizerMerges, gguf::ValueType::kString);
    if (!merges.ok()) return merges.error().wrap("byte-level BPE vocabulary");
    const std::span<const std::string_view> lines = (*merges)->array_strings();
    if (lines.size() > kMaxMerges)
        return Error::make(Errc::kOutOfRange,
                           "the vocabulary has {} merges, more than the {} allowed", lines.size(),
                           kMaxMerges);
    merges_.reserve(lines.size());
    size_t n_skipped = 0;
    std::string joined;
    for (size_t rank = 0; rank < lines.size(); ++rank) {
        const std::string_view line = lines[rank];
        // The separator is the first space after the first byte, so a left part may start with
        // a space (as llama.cpp reads them).
        const size_t space = line.size() > 1 ? line.find(' ', 1) : std::string_view::npos;
        if (space == std::string_view::npos || space + 1 >= line.size())
            return Error::make(Errc::kCorrupt, "merge {} is {}, expected two tokens separated by "
                               "a space", rank, quoted(line));
        const std::string_view left = line.substr(0, space);
        const std::string_view right = line.substr(space + 1);
        joined.assign(left);
        joined += right;
        const auto left_id = find(left);
        const auto right_id = find(right);
        const auto result_id = find(joined);
        if (!left_id || !right_id || !result_id) {
            if (n_skipped++ == 0)
                log::warn("tokenizer: merge {} ({}) names a token the vocabulary lacks; ignored",
                          rank, quoted(line));
            continue;
        }
        merges_.push_back({*left_id, *right_id, *result_id});
    }
    if (n_skipped > 1) log::warn("tokenizer: {} merges ignored in all", n_skipped);
    return ok_status();
}

void Vocab::find_end_of_generation() {
    auto force_control = [&](int32_t id) {
        if (type(id) != TokenType::kControl) {
            log::debug("tokenizer: token {} {} typed {} is treated as control", id,
                       quoted(text(id)), token_type_name(type(id)));
            types_[static_cast<size_t>(id)] = TokenType::kControl;
        }
    };
    for (std::string_view name : kEndOfTurnTexts) {
        const auto id = find(name);
        if (!id) continue;
        if (eot_id_ == kNoToken) eot_id_ = *id;
        force_control(*id);
        // The DeepSeek marker is an eot candidate only, like in llama.cpp.
        if (name != kEndOfTurnTexts.back()) eog_ids_.push_back(*id);
    }
    if (const auto id = find(kEndOfMessageText)) {
        if (eom_id_ == kNoToken) eom_id_ = *id;
        force_control(*id);
        eog_ids_.push_back(*id);
    }
    for (int32_t id : {eos_id_, eot_id_, eom_id_}) {
        if (id != kNoToken) eog_ids_.push_back(id);
    }
    std::sort(eog_ids_.begin(), eog_ids_.end());
    eog_ids_.erase(std::unique(eog_ids_.begin(), eog_ids_.end()), eog_ids_.end());
}

}  // namespace hearth::text
