// SentencePiece BPE: the ids python3-sentencepiece gives for a model it trained
// (tests/text/data/spm.json, made by tools/gen_tokenizer_testdata.py), rebuilt as a GGUF.
#include <gtest/gtest.h>

#include <random>

#include "tests/text/fixtures.h"
#include "text/tokenizer.h"

namespace hearth::text {
namespace {

using testing::describe;
using testing::ids_of;

class SpmTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        data_ = new nlohmann::json(testing::load_test_data("spm.json"));
        auto tokenizer = testing::tokenizer_from(testing::spm_writer(*data_));
        ASSERT_TRUE(tokenizer.ok()) << tokenizer.error().message;
        tokenizer_ = std::move(tokenizer).value().release();
    }
    static void TearDownTestSuite() {
        delete tokenizer_;
        delete data_;
    }
    int32_t id(std::string_view text) const {
        auto found = tokenizer_->find_token(text);
        EXPECT_TRUE(found.has_value()) << text;
        return found.value_or(kNoToken);
    }

    static nlohmann::json* data_;
    static Tokenizer* tokenizer_;
};
nlohmann::json* SpmTest::data_ = nullptr;
Tokenizer* SpmTest::tokenizer_ = nullptr;

TEST_F(SpmTest, MatchesSentencepieceIds) {
    size_t n_cases = 0;
    for (const auto& test : data_->at("cases")) {
        const std::string text = test.at("text");
        const bool parse_special = test.at("parse_special");
        const std::vector<int32_t> expected = ids_of(test.at("ids"));
        const std::vector<int32_t> actual = tokenizer_->encode(text, false, parse_special);
        EXPECT_EQ(actual, expected) << "text: " << ::testing::PrintToString(text)
                                    << " parse_special: " << parse_special
                                    << "\n  expected " << describe(*tokenizer_, expected)
                                    << "\n  actual   " << describe(*tokenizer_, actual);
        ++n_cases;
    }
    EXPECT_GT(n_cases, 60u);
}

TEST_F(SpmTest, VocabularyMetadata) {
    EXPECT_EQ(tokenizer_->vocab().kind(), VocabKind::kSpm);
    EXPECT_EQ(tokenizer_->n_vocab(), 1200);
    EXPECT_EQ(tokenizer_->unk_id(), 0);
    EXPECT_EQ(tokenizer_->bos_id(), 1);
    EXPECT_EQ(tokenizer_->eos_id(), 2);
    EXPECT_TRUE(tokenizer_->add_bos());
    EXPECT_FALSE(tokenizer_->add_eos());
    EXPECT_TRUE(tokenizer_->strips_leading_space());
    EXPECT_EQ(tokenizer_->token_type(0), TokenType::kUnknown);
    EXPECT_EQ(tokenizer_->token_type(1), TokenType::kControl);
    EXPECT_EQ(tokenizer_->token_type(id("<|sep|>")), TokenType::kUserDefined);
    EXPECT_EQ(tokenizer_->token_type(id("<0x0A>")), TokenType::kByte);
    EXPECT_EQ(tokenizer_->token_type(id("\xE2\x96\x81the")), TokenType::kNormal);
    EXPECT_EQ(tokenizer_->token_type(-1), TokenType::kUndefined);
    EXPECT_EQ(tokenizer_->token_text(id("<|im_end|>")), "<|im_end|>");
    EXPECT_EQ(tokenizer_->token_text(5000), "");
    EXPECT_FALSE(tokenizer_->find_token("no such token").has_value());
    // <|im_end|> is named like an end-of-turn marker; the file gives no eot id.
    EXPECT_EQ(tokenizer_->eot_id(), id("<|im_end|>"));
    EXPECT_TRUE(tokenizer_->is_end_of_generation(2));
    EXPECT_TRUE(tokenizer_->is_end_of_generation(id("<|im_end|>")));
    EXPECT_FALSE(tokenizer_->is_end_of_generation(id("<|im_start|>")));
    EXPECT_FALSE(tokenizer_->is_end_of_generation(1));
    EXPECT_FALSE(tokenizer_->is_end_of_generation(-1));
}

TEST_F(SpmTest, AddSpecialAddsBos) {
    EXPECT_EQ(tokenizer_->encode("", true, false), std::vector<int32_t>{1});
    EXPECT_TRUE(tokenizer_->encode("", false, false).empty());
    std::vector<int32_t> expected = {1};
    for (int32_t token : tokenizer_->encode("Hello world", false, false)) expected.push_back(token);
    EXPECT_EQ(tokenizer_->encode("Hello world", true, false), expected);
}

TEST_F(SpmTest, ParseSpecialMatchesControlTokens) {
    const int32_t start = id("<|im_start|>");
    const std::vector<int32_t> parsed = tokenizer_->encode("<|im_start|>user", false, true);
    ASSERT_FALSE(parsed.empty());
    EXPECT_EQ(parsed.front(), start);
    for (int32_t token : tokenizer_->encode("<|im_start|>user", false, false))
        EXPECT_NE(token, start);
    // <s> is control too: parsed only when asked.
    EXPECT_EQ(tokenizer_->encode("<s>", false, true), std::vector<int32_t>{1});
    EXPECT_NE(tokenizer_->encode("<s>", false, false), std::vector<int32_t>{1});
    // User-defined tokens are matched either way.
    const std::vector<int32_t> sep = {id("<|sep|>")};
    EXPECT_EQ(tokenizer_->encode("<|sep|>", false, false), sep);
    EXPECT_EQ(tokenizer_->encode("<|sep|>", false, true), sep);
}

TEST_F(SpmTest, PiecesOfEachTokenType) {
    EXPECT_EQ(tokenizer_->token_to_piece(id("\xE2\x96\x81the"), false), " the");
    EXPECT_EQ(tokenizer_->token_to_piece(id("<0x0A>"), false), "\n");
    EXPECT_EQ(tokenizer_->token_to_piece(id("<0xFF>"), false), "\xFF");
    EXPECT_EQ(tokenizer_->token_to_piece(1, false), "");
    EXPECT_EQ(tokenizer_->token_to_piece(1, true), "<s>");
    EXPECT_EQ(tokenizer_->token_to_piece(0, false), "");
    EXPECT_EQ(tokenizer_->token_to_piece(0, true), "<unk>");
    EXPECT_EQ(tokenizer_->token_to_piece(id("<|sep|>"), false), "<|sep|>");
    EXPECT_EQ(tokenizer_->token_to_piece(-3, true), "");
    EXPECT_EQ(tokenizer_->token_to_piece(1200, true), "");
}

TEST_F(SpmTest, DecodeDropsThePrefixSpaceOnce) {
    const int32_t start = id("<|im_start|>");
    const int32_t user = id("\xE2\x96\x81user");
    const std::vector<int32_t> ids = {1, start, user, user};
    EXPECT_EQ(tokenizer_->decode(ids, false), "user user");
    EXPECT_EQ(tokenizer_->decode(ids, true), "<s><|im_start|>user user");
    EXPECT_EQ(tokenizer_->decode(std::vector<int32_t>{user}, false), "user");
    EXPECT_EQ(tokenizer_->decode(std::vector<int32_t>{}, false), "");
    EXPECT_EQ(tokenizer_->decode(std::vector<int32_t>{-1, 99999}, true), "");
}

TEST_F(SpmTest, RoundTripsTheTestStrings) {
    for (const auto& test : data_->at("cases")) {
        if (test.at("rule") != "sentencepiece") continue;
        const std::string text = test.at("text");
        EXPECT_EQ(tokenizer_->decode(tokenizer_->encode(text, false, false), false), text);
        EXPECT_EQ(tokenizer_->decode(tokenizer_->encode(text, true, false), false), text);
    }
}

// Any bytes: random mixes of ASCII, spaces, multi-byte characters and invalid bytes.
TEST_F(SpmTest, RoundTripsArbitraryBytes) {
    const std::vector<std::string> pool = {"a", "Z", " ", "  ", "\n", "\t", "the", "é", "日",
                                           "🦙", "\xFF", "\xC3", "\xE2\x82", "\x80", "<|", "|>",
                                           "\xF0\x9F", "0", "'s"};
    std::mt19937 rng(7);
    for (int round = 0; round < 500; ++round) {
        std::string text;
        const int length = static_cast<int>(rng() % 20);
        for (int part = 0; part < length; ++part) text += pool[rng() % pool.size()];
        const std::vector<int32_t> ids = tokenizer_->encode(text, false, false);
        for (int32_t token : ids) ASSERT_TRUE(tokenizer_->is_valid(token));
        ASSERT_EQ(tokenizer_->decode(ids, false), text) << ::testing::PrintToString(text);
    }
}

TEST_F(SpmTest, InvalidUtf8FallsBackToBytes) {
    const std::vector<int32_t> ids = tokenizer_->encode("\xFF\xC3", false, false);
    const std::vector<int32_t> expected = {id("\xE2\x96\x81"), id("<0xFF>"), id("<0xC3>")};
    EXPECT_EQ(ids, expected) << describe(*tokenizer_, ids);
}

}  // namespace
}  // namespace hearth::text
