// The streaming detokenizer: whole characters only, bytes held across tokens, U+FFFD for
// ill-formed input, and the same text as Tokenizer::decode.
#include "text/stream_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/text/fixtures.h"
#include "text/utf8.h"

namespace hearth::text {
namespace {

std::unique_ptr<Tokenizer> spm_tokenizer() {
    auto tokenizer =
        testing::tokenizer_from(testing::spm_writer(testing::load_test_data("spm.json")));
    EXPECT_TRUE(tokenizer.ok()) << tokenizer.error().message;
    return tokenizer.ok() ? std::move(tokenizer).value() : nullptr;
}

std::unique_ptr<Tokenizer> bpe_tokenizer() {
    auto tokenizer = testing::tokenizer_from(
        testing::bpe_writer(testing::load_test_data("bpe.json"), "llama-bpe"));
    EXPECT_TRUE(tokenizer.ok()) << tokenizer.error().message;
    return tokenizer.ok() ? std::move(tokenizer).value() : nullptr;
}

int32_t id_of(const Tokenizer& tokenizer, std::string_view text) {
    const auto id = tokenizer.find_token(text);
    EXPECT_TRUE(id.has_value()) << text;
    return id.value_or(kNoToken);
}

std::string stream_all(const Tokenizer& tokenizer, const std::vector<int32_t>& ids,
                       StreamDecoder::Options options = {}) {
    StreamDecoder decoder(tokenizer, options);
    std::string out;
    for (int32_t id : ids) {
        const std::string chunk = decoder.push(id);
        EXPECT_TRUE(utf8::is_valid(chunk)) << ::testing::PrintToString(chunk);
        out += chunk;
    }
    return out + decoder.flush();
}

TEST(StreamDecoder, HoldsAnEmojiSplitAcrossByteTokens) {
    auto tokenizer = spm_tokenizer();
    ASSERT_TRUE(tokenizer);
    // "🦙" is not in the vocabulary: '▁' then its four bytes.
    const std::vector<int32_t> ids = tokenizer->encode("\xF0\x9F\xA6\x99", false, false);
    ASSERT_EQ(ids.size(), 5u) << testing::describe(*tokenizer, ids);
    StreamDecoder decoder(*tokenizer);
    EXPECT_EQ(decoder.push(ids[0]), "");  // the prefix space is dropped at the start
    EXPECT_EQ(decoder.push(ids[1]), "");
    EXPECT_EQ(decoder.pending_bytes(), 1u);
    EXPECT_EQ(decoder.push(ids[2]), "");
    EXPECT_EQ(decoder.push(ids[3]), "");
    EXPECT_EQ(decoder.pending_bytes(), 3u);
    EXPECT_EQ(decoder.push(ids[4]), "\xF0\x9F\xA6\x99");
    EXPECT_EQ(decoder.pending_bytes(), 0u);
    EXPECT_EQ(decoder.flush(), "");
}

TEST(StreamDecoder, HoldsByteLevelCharacters) {
    auto tokenizer = bpe_tokenizer();
    ASSERT_TRUE(tokenizer);
    // "ok 😀!"
    const std::vector<int32_t> ids = tokenizer->encode("ok \xF0\x9F\x98\x80!", false, false);
    StreamDecoder decoder(*tokenizer);
    std::vector<std::string> chunks;
    for (int32_t id : ids) chunks.push_back(decoder.push(id));
    std::string joined;
    for (const std::string& chunk : chunks) {
        EXPECT_TRUE(utf8::is_valid(chunk));
        joined += chunk;
    }
    EXPECT_EQ(joined, "ok \xF0\x9F\x98\x80!");
    // The emoji arrives whole in one chunk.
    EXPECT_NE(std::find(chunks.begin(), chunks.end(), "\xF0\x9F\x98\x80"), chunks.end());
}

TEST(StreamDecoder, IllFormedBytesBecomeReplacementCharacters) {
    auto tokenizer = spm_tokenizer();
    ASSERT_TRUE(tokenizer);
    const int32_t byte_ff = id_of(*tokenizer, "<0xFF>");
    const int32_t byte_e2 = id_of(*tokenizer, "<0xE2>");
    const int32_t byte_82 = id_of(*tokenizer, "<0x82>");
    const int32_t letter = id_of(*tokenizer, "a");
    StreamDecoder decoder(*tokenizer);
    // 0xFF can never start a character: replaced at once, not held.
    EXPECT_EQ(decoder.push(byte_ff), "\xEF\xBF\xBD");
    EXPECT_EQ(decoder.pending_bytes(), 0u);
    // E2 82 is a valid start; 'a' breaks it: one U+FFFD for the two bytes, then 'a'.
    EXPECT_EQ(decoder.push(byte_e2), "");
    EXPECT_EQ(decoder.push(byte_82), "");
    EXPECT_EQ(decoder.push(letter), "\xEF\xBF\xBD" "a");
    // A character still incomplete at the end comes out of flush() as U+FFFD.
    EXPECT_EQ(decoder.push(byte_e2), "");
    EXPECT_EQ(decoder.flush(), "\xEF\xBF\xBD");
    EXPECT_EQ(decoder.pending_bytes(), 0u);
    EXPECT_EQ(decoder.flush(), "");
}

TEST(StreamDecoder, LeadingSpaceRule) {
    auto tokenizer = spm_tokenizer();
    ASSERT_TRUE(tokenizer);
    const int32_t user = id_of(*tokenizer, "\xE2\x96\x81user");
    const int32_t start = id_of(*tokenizer, "<|im_start|>");
    const std::vector<int32_t> ids = {tokenizer->bos_id(), start, user, user};
    EXPECT_EQ(stream_all(*tokenizer, ids), "user user");
    EXPECT_EQ(stream_all(*tokenizer, ids, {.render_special = true}), "<s><|im_start|>user user");
    // A stream that continues a text keeps every space.
    EXPECT_EQ(stream_all(*tokenizer, ids, {.render_special = false, .starts_text = false}),
              " user user");
    StreamDecoder decoder(*tokenizer);
    EXPECT_EQ(decoder.push(user), "user");
    EXPECT_EQ(decoder.push(user), " user");
    decoder.reset();
    EXPECT_EQ(decoder.push(user), "user");
}

TEST(StreamDecoder, InvalidIdsProduceNothing) {
    auto tokenizer = spm_tokenizer();
    ASSERT_TRUE(tokenizer);
    StreamDecoder decoder(*tokenizer);
    EXPECT_EQ(decoder.push(-1), "");
    EXPECT_EQ(decoder.push(tokenizer->n_vocab()), "");
    EXPECT_EQ(decoder.push(id_of(*tokenizer, "\xE2\x96\x81user")), "user");
}

// For every test string, streaming gives exactly what decode() gives.
TEST(StreamDecoder, MatchesDecode) {
    for (const bool spm : {true, false}) {
        auto tokenizer = spm ? spm_tokenizer() : bpe_tokenizer();
        ASSERT_TRUE(tokenizer);
        const nlohmann::json data = testing::load_test_data(spm ? "spm.json" : "bpe.json");
        const nlohmann::json& cases =
            spm ? data.at("cases") : data.at("pre_tokenizers").at(1).at("cases");
        for (const auto& test : cases) {
            const std::string text = test.at("text");
            for (const bool render_special : {false, true}) {
                const std::vector<int32_t> ids = tokenizer->encode(text, true, true);
                EXPECT_EQ(stream_all(*tokenizer, ids, {.render_special = render_special}),
                          tokenizer->decode(ids, render_special))
                    << ::testing::PrintToString(text);
            }
        }
    }
}

}  // namespace
}  // namespace hearth::text
