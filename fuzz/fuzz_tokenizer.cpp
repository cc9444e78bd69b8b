// Fuzzes the tokenizers: the input is tried as a GGUF vocabulary (it must load or be refused,
// never crash), and as text for two fixed vocabularies that cover every byte (SentencePiece with
// byte fallback, byte-level BPE), where it must encode to valid ids, decode back to exactly the
// input, and stream to the same text as decode() whenever that is valid UTF-8.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "formats/gguf.h"
#include "formats/gguf_keys.h"
#include "text/byte_level.h"
#include "text/stream_decoder.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

namespace {
namespace keys = hearth::gguf::keys;
using hearth::text::StreamDecoder;
using hearth::text::Tokenizer;

std::unique_ptr<Tokenizer> build(const hearth::gguf::Writer& writer) {
    auto bytes = writer.write_memory();
    if (!bytes.ok()) std::abort();
    auto file = hearth::gguf::File::parse(bytes->data(), bytes->size());
    if (!file.ok()) std::abort();
    auto tokenizer = Tokenizer::from_gguf(*file);
    if (!tokenizer.ok()) std::abort();
    return std::move(tokenizer).value();
}

// <unk> <s> </s> <|im_start|> <0x00>..<0xFF> ▁ a b ▁a ab ▁▁
std::unique_ptr<Tokenizer> spm_tokenizer() {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", "<|im_start|>"};
    std::vector<int32_t> types = {2, 3, 3, 3};
    for (int byte = 0; byte < 256; ++byte) {
        char text[8];
        std::snprintf(text, sizeof(text), "<0x%02X>", byte);
        tokens.push_back(text);
        types.push_back(6);
    }
    const std::string space = "\xE2\x96\x81";
    for (const std::string& text : {space, std::string("a"), std::string("b"), space + "a",
                                    std::string("ab"), space + space}) {
        tokens.push_back(text);
        types.push_back(1);
    }
    std::vector<float> scores(tokens.size(), 0.0f);
    for (size_t idx = 260; idx < scores.size(); ++idx) scores[idx] = -static_cast<float>(idx);
    hearth::gguf::Writer writer;
    writer.set_string(keys::kTokenizerModel, "llama");
    writer.set_array_strings(keys::kTokenizerTokens, tokens);
    writer.set_array_f32(keys::kTokenizerScores, scores);
    writer.set_array_i32(keys::kTokenizerTokenType, types);
    return build(writer);
}

// The 256 byte-level characters, a few merges, <|endoftext|> and <|im_end|>.
std::unique_ptr<Tokenizer> bpe_tokenizer(std::string_view pre) {
    std::vector<std::string> tokens;
    for (int byte = 0; byte < 256; ++byte)
        tokens.emplace_back(hearth::text::byte_level::byte_to_utf8(static_cast<uint8_t>(byte)));
    const std::string space = "\xC4\xA0";  // 'Ġ'
    const std::vector<std::string> merges = {space + " a", "a b", space + "a b",
                                             space + " " + space, "1 2"};
    for (const std::string& merge : merges) {
        const size_t split = merge.find(' ', 1);
        tokens.push_back(merge.substr(0, split) + merge.substr(split + 1));
    }
    std::vector<int32_t> types(tokens.size(), 1);
    tokens.push_back("<|endoftext|>");
    types.push_back(3);
    tokens.push_back("<|im_end|>");
    types.push_back(3);
    hearth::gguf::Writer writer;
    writer.set_string(keys::kTokenizerModel, "gpt2");
    writer.set_string(keys::kTokenizerPre, pre);
    writer.set_array_strings(keys::kTokenizerTokens, tokens);
    writer.set_array_i32(keys::kTokenizerTokenType, types);
    writer.set_array_strings(keys::kTokenizerMerges, merges);
    writer.set_u32(keys::kTokenizerBosId, static_cast<uint32_t>(tokens.size() - 2));
    return build(writer);
}

void check_text(const Tokenizer& tokenizer, std::string_view text) {
    // SentencePiece writes spaces as U+2581, so a literal U+2581 decodes as a space.
    const bool exact_round_trip = tokenizer.vocab().kind() == hearth::text::VocabKind::kBpe ||
                                  text.find("\xE2\x96\x81") == std::string_view::npos;
    for (const bool parse_special : {false, true}) {
        const std::vector<int32_t> ids = tokenizer.encode(text, true, parse_special);
        for (int32_t id : ids) {
            if (!tokenizer.is_valid(id)) std::abort();
        }
        const std::string decoded = tokenizer.decode(ids, parse_special);
        // Plain text (no special tokens parsed) decodes back to exactly the input bytes.
        if (!parse_special && exact_round_trip && decoded != text) std::abort();
        StreamDecoder decoder(tokenizer, {.render_special = parse_special, .starts_text = true});
        std::string streamed;
        for (int32_t id : ids) {
            const std::string chunk = decoder.push(id);
            if (!hearth::text::utf8::is_valid(chunk)) std::abort();
            streamed += chunk;
        }
        streamed += decoder.flush();
        if (hearth::text::utf8::is_valid(decoded) && streamed != decoded) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool quiet = [] {
        hearth::log::set_level("off");
        return true;
    }();
    (void)quiet;
    static const std::unique_ptr<Tokenizer> spm = spm_tokenizer();
    static const std::unique_ptr<Tokenizer> gpt2 = bpe_tokenizer("gpt-2");
    static const std::unique_ptr<Tokenizer> llama3 = bpe_tokenizer("llama-bpe");
    static const std::unique_ptr<Tokenizer> qwen2 = bpe_tokenizer("qwen2");

    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (const Tokenizer* tokenizer : {spm.get(), gpt2.get(), llama3.get(), qwen2.get()})
        check_text(*tokenizer, text);

    // The input as a vocabulary: loads or is refused; what loads must handle any text.
    auto file = hearth::gguf::File::parse(data, size);
    if (file.ok()) {
        auto tokenizer = Tokenizer::from_gguf(*file);
        if (tokenizer.ok()) {
            for (std::string_view sample : {std::string_view("Hello world <s>"),
                                            std::string_view("\xFF\xC3 \xF0\x9F\xA6\x99 12345"),
                                            text.substr(0, 256)}) {
                const std::vector<int32_t> ids = (*tokenizer)->encode(sample, true, true);
                for (int32_t id : ids) {
                    if (!(*tokenizer)->is_valid(id)) std::abort();
                }
                (void)(*tokenizer)->decode(ids, true);
            }
        }
    }
    return 0;
}
