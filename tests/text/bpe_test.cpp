// Byte-level BPE: the ids the Python reference (tools/reference/bpe_tokenize.py, python3-regex
// with the original regexes) gives under the gpt2, llama3 and qwen2 pre-tokenizers for a
// vocabulary it trained (tests/text/data/bpe.json), rebuilt as a GGUF; and the pre-token splits
// of random strings.
#include <gtest/gtest.h>

#include <random>

#include "tests/text/fixtures.h"
#include "text/pretokenize.h"
#include "text/tokenizer.h"

namespace hearth::text {
namespace {

using testing::describe;
using testing::ids_of;

const nlohmann::json& bpe_data() {
    static const nlohmann::json data = testing::load_test_data("bpe.json");
    return data;
}

std::unique_ptr<Tokenizer> bpe_tokenizer(std::string_view pre) {
    auto tokenizer = testing::tokenizer_from(testing::bpe_writer(bpe_data(), pre));
    EXPECT_TRUE(tokenizer.ok()) << tokenizer.error().message;
    return tokenizer.ok() ? std::move(tokenizer).value() : nullptr;
}

class BpeTest : public ::testing::TestWithParam<size_t> {
protected:
    const nlohmann::json& family() const { return bpe_data().at("pre_tokenizers").at(GetParam()); }
};

TEST_P(BpeTest, SelectsThePreTokenizer) {
    auto tokenizer = bpe_tokenizer(family().at("gguf_pre").get<std::string>());
    ASSERT_TRUE(tokenizer);
    EXPECT_EQ(tokenizer->vocab().kind(), VocabKind::kBpe);
    EXPECT_EQ(pre_tokenizer_name(tokenizer->vocab().pre_tokenizer()),
              family().at("pre").get<std::string>());
    EXPECT_EQ(tokenizer->vocab().ignore_merges(), family().at("ignore_merges").get<bool>());
}

TEST_P(BpeTest, MatchesReferenceIds) {
    auto tokenizer = bpe_tokenizer(family().at("gguf_pre").get<std::string>());
    ASSERT_TRUE(tokenizer);
    size_t n_cases = 0;
    for (const auto& test : family().at("cases")) {
        const std::string text = test.at("text");
        const bool parse_special = test.at("parse_special");
        const std::vector<int32_t> expected = ids_of(test.at("ids"));
        const std::vector<int32_t> actual = tokenizer->encode(text, false, parse_special);
        EXPECT_EQ(actual, expected) << "text: " << ::testing::PrintToString(text)
                                    << " parse_special: " << parse_special
                                    << "\n  expected " << describe(*tokenizer, expected)
                                    << "\n  actual   " << describe(*tokenizer, actual);
        ++n_cases;
    }
    EXPECT_GT(n_cases, 60u);
}

TEST_P(BpeTest, MatchesReferencePreTokens) {
    const PreTokenizer kind = find_pre_tokenizer(family().at("gguf_pre").get<std::string>())->kind;
    auto check = [&](const nlohmann::json& test) {
        const std::string text = test.at("text");
        std::vector<std::string_view> pieces;
        pretokenize(kind, text, pieces);
        const auto expected = test.at("pieces").get<std::vector<std::string>>();
        EXPECT_EQ(std::vector<std::string>(pieces.begin(), pieces.end()), expected)
            << "text: " << ::testing::PrintToString(text);
    };
    for (const auto& test : family().at("cases")) {
        if (test.contains("pieces")) check(test);
    }
    ASSERT_GE(family().at("random_splits").size(), 100u);
    for (const auto& test : family().at("random_splits")) check(test);
}

TEST_P(BpeTest, RoundTrips) {
    auto tokenizer = bpe_tokenizer(family().at("gguf_pre").get<std::string>());
    ASSERT_TRUE(tokenizer);
    for (const auto& test : family().at("cases")) {
        const std::string text = test.at("text");
        const bool parse_special = test.at("parse_special");
        // Byte-level BPE adds no spaces, so special tokens round trip too when rendered.
        EXPECT_EQ(tokenizer->decode(tokenizer->encode(text, false, parse_special), true), text);
    }
    for (const auto& test : family().at("random_splits")) {
        const std::string text = test.at("text");
        EXPECT_EQ(tokenizer->decode(tokenizer->encode(text, false, false), false), text);
    }
    // Invalid UTF-8: every byte has a byte-level token.
    const std::string invalid = "\xFF\xC3( \xE2\x82\x80\x80 ok";
    const std::vector<int32_t> ids = tokenizer->encode(invalid, false, false);
    EXPECT_EQ(tokenizer->decode(ids, false), invalid);
}

INSTANTIATE_TEST_SUITE_P(PreTokenizers, BpeTest, ::testing::Values(0, 1, 2),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                             return bpe_data().at("pre_tokenizers").at(info.param)
                                 .at("pre").get<std::string>();
                         });

TEST(Bpe, PiecesAndSpecials) {
    auto tokenizer = bpe_tokenizer("llama-bpe");
    ASSERT_TRUE(tokenizer);
    auto id = [&](std::string_view text) { return tokenizer->find_token(text).value_or(kNoToken); };
    EXPECT_EQ(tokenizer->token_to_piece(id("\xC4\xA0the"), false), " the");  // "Ġthe"
    EXPECT_EQ(tokenizer->token_to_piece(id("\xC4\x8A"), false), "\n");       // "Ċ"
    EXPECT_EQ(tokenizer->token_to_piece(id("\xC3\xBF"), false), "\xFF");     // "ÿ" is byte 0xFF
    EXPECT_EQ(tokenizer->token_to_piece(id("<|im_end|>"), false), "");
    EXPECT_EQ(tokenizer->token_to_piece(id("<|im_end|>"), true), "<|im_end|>");
    EXPECT_EQ(tokenizer->token_to_piece(id("<|sep|>"), false), "<|sep|>");
    EXPECT_FALSE(tokenizer->strips_leading_space());
    EXPECT_TRUE(tokenizer->is_end_of_generation(id("<|endoftext|>")));
    EXPECT_TRUE(tokenizer->is_end_of_generation(id("<|im_end|>")));
    EXPECT_FALSE(tokenizer->is_end_of_generation(id("<|im_start|>")));
    // The llama-bpe family defaults to add_bos, but the file says false.
    EXPECT_FALSE(tokenizer->add_bos());
    EXPECT_EQ(tokenizer->encode("hi", true, false), tokenizer->encode("hi", false, false));
}

TEST(Bpe, EmojiSpansByteTokens) {
    auto tokenizer = bpe_tokenizer("qwen2");
    ASSERT_TRUE(tokenizer);
    const std::vector<int32_t> ids = tokenizer->encode("\xF0\x9F\xA6\x99", false, false);  // 🦙
    ASSERT_EQ(ids.size(), 4u);
    std::string joined;
    for (int32_t token : ids) joined += tokenizer->token_to_piece(token, false);
    EXPECT_EQ(joined, "\xF0\x9F\xA6\x99");
}

}  // namespace
}  // namespace hearth::text
