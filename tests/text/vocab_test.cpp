// Vocabulary metadata from hostile or broken files: each problem is refused with an Error that
// names it, never a crash; and the few things that are tolerated are tolerated on purpose.
#include "text/vocab.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "base/log.h"
#include "formats/gguf_keys.h"
#include "tests/text/fixtures.h"
#include "text/tokenizer.h"

namespace hearth::text {
namespace {
namespace keys = gguf::keys;

const std::string kSpace = "\xE2\x96\x81";  // '▁'

// A tiny SentencePiece vocabulary: <unk> <s> </s> ▁ a b ▁a <0x41>.
gguf::Writer small_spm() {
    gguf::Writer writer;
    writer.set_string(keys::kTokenizerModel, "llama");
    const std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", kSpace, "a", "b",
                                             kSpace + "a", "<0x41>"};
    const std::vector<float> scores = {0, 0, 0, -1, -2, -3, -0.5f, 0};
    const std::vector<int32_t> types = {2, 3, 3, 1, 1, 1, 1, 6};
    writer.set_array_strings(keys::kTokenizerTokens, tokens);
    writer.set_array_f32(keys::kTokenizerScores, scores);
    writer.set_array_i32(keys::kTokenizerTokenType, types);
    return writer;
}

// A tiny byte-level BPE vocabulary: a b ab Ġ <|endoftext|>, one merge.
gguf::Writer small_bpe() {
    gguf::Writer writer;
    writer.set_string(keys::kTokenizerModel, "gpt2");
    writer.set_string(keys::kTokenizerPre, "gpt-2");
    const std::vector<std::string> tokens = {"a", "b", "ab", "\xC4\xA0", "<|endoftext|>"};
    const std::vector<int32_t> types = {1, 1, 1, 1, 3};
    const std::vector<std::string> merges = {"a b"};
    writer.set_array_strings(keys::kTokenizerTokens, tokens);
    writer.set_array_i32(keys::kTokenizerTokenType, types);
    writer.set_array_strings(keys::kTokenizerMerges, merges);
    writer.set_u32(keys::kTokenizerEosId, 4);
    return writer;
}

Result<Vocab> load(const gguf::Writer& writer) {
    auto bytes = writer.write_memory();
    if (!bytes.ok()) return bytes.take_error();
    auto file = gguf::File::parse(bytes->data(), bytes->size());
    if (!file.ok()) return file.take_error();
    return Vocab::from_gguf(*file);
}

void expect_refused(const gguf::Writer& writer, const std::string& fragment) {
    auto vocab = load(writer);
    ASSERT_FALSE(vocab.ok()) << "expected a refusal mentioning '" << fragment << "'";
    EXPECT_NE(vocab.error().message.find(fragment), std::string::npos)
        << "message was: " << vocab.error().message;
}

TEST(Vocab, LoadsTheSmallVocabularies) {
    auto spm = load(small_spm());
    ASSERT_TRUE(spm.ok()) << spm.error().message;
    EXPECT_EQ(spm->kind(), VocabKind::kSpm);
    EXPECT_EQ(spm->n_tokens(), 8);
    EXPECT_EQ(spm->unk_id(), 0);  // llama.cpp's SentencePiece defaults
    EXPECT_EQ(spm->bos_id(), 1);
    EXPECT_EQ(spm->eos_id(), 2);
    EXPECT_TRUE(spm->add_bos());
    EXPECT_TRUE(spm->add_space_prefix());
    EXPECT_EQ(spm->byte_token(0x41), 7);
    EXPECT_EQ(spm->byte_token(0x42), kNoToken);
    EXPECT_FLOAT_EQ(spm->score(6), -0.5f);

    auto bpe = load(small_bpe());
    ASSERT_TRUE(bpe.ok()) << bpe.error().message;
    EXPECT_EQ(bpe->kind(), VocabKind::kBpe);
    EXPECT_EQ(bpe->bos_id(), kNoToken);
    EXPECT_EQ(bpe->eos_id(), 4);
    EXPECT_FALSE(bpe->add_bos());
    EXPECT_FALSE(bpe->add_space_prefix());
    ASSERT_EQ(bpe->merges().size(), 1u);
    EXPECT_EQ(bpe->merges()[0].left, 0);
    EXPECT_EQ(bpe->merges()[0].right, 1);
    EXPECT_EQ(bpe->merges()[0].result, 2);
    // <|endoftext|> is the eot marker and ends generation, as does eos.
    EXPECT_EQ(bpe->eot_id(), 4);
    EXPECT_EQ(std::vector<int32_t>(bpe->end_of_generation_ids().begin(),
                                   bpe->end_of_generation_ids().end()),
              std::vector<int32_t>{4});
}

TEST(Vocab, RefusesAMissingOrUnknownModel) {
    gguf::Writer missing = small_spm();
    missing.remove(keys::kTokenizerModel);
    expect_refused(missing, "tokenizer.ggml.model");
    EXPECT_EQ(load(missing).error().code, Errc::kNotFound);

    gguf::Writer bert = small_spm();
    bert.set_string(keys::kTokenizerModel, "bert");
    expect_refused(bert, "'bert'");
    EXPECT_EQ(load(bert).error().code, Errc::kUnsupported);

    gguf::Writer number = small_spm();
    number.set_u32(keys::kTokenizerModel, 1);
    expect_refused(number, "tokenizer.ggml.model");
}

TEST(Vocab, RefusesBadTokenArrays) {
    gguf::Writer missing = small_spm();
    missing.remove(keys::kTokenizerTokens);
    expect_refused(missing, "tokenizer.ggml.tokens");

    gguf::Writer numbers = small_spm();
    const std::vector<int32_t> ints = {1, 2, 3, 4, 5, 6, 7, 8};
    numbers.set_array_i32(keys::kTokenizerTokens, ints);
    expect_refused(numbers, "expected string");

    gguf::Writer empty = small_spm();
    empty.set_array_strings(keys::kTokenizerTokens, std::vector<std::string>{});
    expect_refused(empty, "is empty");

    gguf::Writer duplicate = small_spm();
    const std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", kSpace, "a", "a",
                                             kSpace + "a", "<0x41>"};
    duplicate.set_array_strings(keys::kTokenizerTokens, tokens);
    expect_refused(duplicate, "token 5 has the same text 'a' as token 4");

    gguf::Writer too_long = small_spm();
    const std::vector<std::string> long_tokens = {"<unk>", "<s>", "</s>", kSpace, "a", "b",
                                                  std::string(Vocab::kMaxTokenBytes + 1, 'x'),
                                                  "<0x41>"};
    too_long.set_array_strings(keys::kTokenizerTokens, long_tokens);
    expect_refused(too_long, "token 6 is 65537 bytes long");
    EXPECT_EQ(load(too_long).error().code, Errc::kOutOfRange);
}

TEST(Vocab, RefusesBadScores) {
    gguf::Writer short_scores = small_spm();
    short_scores.set_array_f32(keys::kTokenizerScores, std::vector<float>{0, 0, 0});
    expect_refused(short_scores, "'tokenizer.ggml.scores' has 3 entries but there are 8 tokens");

    gguf::Writer strings = small_spm();
    strings.set_array_strings(keys::kTokenizerScores,
                              std::vector<std::string>{"", "", "", "", "", "", "", ""});
    expect_refused(strings, "expected numbers");

    gguf::Writer scalar = small_spm();
    scalar.set_f32(keys::kTokenizerScores, 1.0f);
    expect_refused(scalar, "expected an array");

    gguf::Writer nan = small_spm();
    nan.set_array_f32(keys::kTokenizerScores,
                      std::vector<float>{0, 0, 0, 0, std::nanf(""), 0, 0, 0});
    expect_refused(nan, "score of token 4 is not a number");
}

TEST(Vocab, RefusesBadTokenTypes) {
    gguf::Writer short_types = small_spm();
    short_types.set_array_i32(keys::kTokenizerTokenType, std::vector<int32_t>{1, 1});
    expect_refused(short_types, "has 2 entries but there are 8 tokens");

    gguf::Writer out_of_range = small_spm();
    out_of_range.set_array_i32(keys::kTokenizerTokenType,
                               std::vector<int32_t>{2, 3, 3, 1, 1, 9, 1, 6});
    expect_refused(out_of_range, "token 5 has type 9");

    gguf::Writer floats = small_spm();
    floats.set_array_f32(keys::kTokenizerTokenType, std::vector<float>{1, 1, 1, 1, 1, 1, 1, 1});
    expect_refused(floats, "expected integers");

    gguf::Writer bad_byte = small_spm();
    const std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", kSpace, "a", "b",
                                             kSpace + "a", "<0xZZ>"};
    bad_byte.set_array_strings(keys::kTokenizerTokens, tokens);
    expect_refused(bad_byte, "byte token 7 has text '<0xZZ>'");
}

TEST(Vocab, RefusesBadSpecialIds) {
    for (std::string_view key : {keys::kTokenizerBosId, keys::kTokenizerEosId,
                                 keys::kTokenizerEotId, keys::kTokenizerEomId,
                                 keys::kTokenizerUnkId}) {
        gguf::Writer too_large = small_spm();
        too_large.set_u32(key, 8);
        expect_refused(too_large, std::string(key) + "' is 8, outside the vocabulary of 8 tokens");

        gguf::Writer negative = small_spm();
        negative.set_i32(key, -1);
        expect_refused(negative, "is -1, outside the vocabulary");

        gguf::Writer huge = small_spm();
        huge.set_u64(key, ~uint64_t{0});
        expect_refused(huge, std::string(key) + "' is out of range");

        gguf::Writer text = small_spm();
        text.set_string(key, "1");
        expect_refused(text, "is a string, expected an integer token id");
    }
}

TEST(Vocab, IgnoresAnOutOfRangePaddingId) {
    gguf::Writer writer = small_spm();
    writer.set_u32(keys::kTokenizerPadId, 1000);
    auto vocab = load(writer);
    ASSERT_TRUE(vocab.ok()) << vocab.error().message;
    EXPECT_EQ(vocab->pad_id(), kNoToken);
}

TEST(Vocab, RefusesBadFlags) {
    gguf::Writer text_flag = small_spm();
    text_flag.set_string(keys::kTokenizerAddBos, "yes");
    expect_refused(text_flag, "tokenizer.ggml.add_bos_token");

    // add_bos without a bos token.
    gguf::Writer no_bos = small_bpe();
    no_bos.set_bool(keys::kTokenizerAddBos, true);
    expect_refused(no_bos, "asks for a BOS token");
    // The Llama 3 family defaults add_bos to true.
    gguf::Writer llama3 = small_bpe();
    llama3.set_string(keys::kTokenizerPre, "llama-bpe");
    expect_refused(llama3, "asks for a BOS token");

    gguf::Writer no_eos = small_spm();
    no_eos.set_bool(keys::kTokenizerAddEos, true);
    no_eos.set_array_i32(keys::kTokenizerTokenType, std::vector<int32_t>{2, 3, 3, 1, 1, 1, 1, 6});
    auto with_eos = load(no_eos);  // eos defaults to 2 for SentencePiece
    ASSERT_TRUE(with_eos.ok()) << with_eos.error().message;
    EXPECT_TRUE(with_eos->add_eos());

    gguf::Writer bpe_add_eos = small_bpe();
    bpe_add_eos.remove(keys::kTokenizerEosId);
    bpe_add_eos.set_bool(keys::kTokenizerAddEos, true);
    expect_refused(bpe_add_eos, "asks for an EOS token");
}

TEST(Vocab, RefusesBadMerges) {
    gguf::Writer missing = small_bpe();
    missing.remove(keys::kTokenizerMerges);
    expect_refused(missing, "tokenizer.ggml.merges");

    for (const std::string& line : {std::string("ab"), std::string("a "), std::string(" "),
                                    std::string("")}) {
        gguf::Writer malformed = small_bpe();
        malformed.set_array_strings(keys::kTokenizerMerges, std::vector<std::string>{"a b", line});
        expect_refused(malformed, "merge 1 is '" + line + "', expected two tokens");
    }

    gguf::Writer numbers = small_bpe();
    numbers.set_array_i32(keys::kTokenizerMerges, std::vector<int32_t>{1});
    expect_refused(numbers, "expected string");
}

TEST(Vocab, IgnoresMergesOfUnknownTokens) {
    gguf::Writer writer = small_bpe();
    writer.set_array_strings(keys::kTokenizerMerges, std::vector<std::string>{"a zz", "a b"});
    auto vocab = load(writer);
    ASSERT_TRUE(vocab.ok()) << vocab.error().message;
    ASSERT_EQ(vocab->merges().size(), 1u);
    EXPECT_EQ(vocab->merges()[0].result, 2);
}

TEST(Vocab, UnknownPreTokenizerFallsBackToGpt2) {
    gguf::Writer writer = small_bpe();
    writer.set_string(keys::kTokenizerPre, "some-future-model");
    auto vocab = load(writer);
    ASSERT_TRUE(vocab.ok()) << vocab.error().message;
    EXPECT_EQ(vocab->pre_tokenizer(), PreTokenizer::kGpt2);
    EXPECT_EQ(vocab->pre_tokenizer_name(), "some-future-model");

    gguf::Writer absent = small_bpe();
    absent.remove(keys::kTokenizerPre);
    auto default_vocab = load(absent);
    ASSERT_TRUE(default_vocab.ok()) << default_vocab.error().message;
    EXPECT_EQ(default_vocab->pre_tokenizer_name(), "default");
    EXPECT_EQ(default_vocab->pre_tokenizer(), PreTokenizer::kGpt2);

    gguf::Writer number = small_bpe();
    number.set_u32(keys::kTokenizerPre, 3);
    expect_refused(number, "tokenizer.ggml.pre");
}

// A vocabulary-only file on disk (no tensors), opened through the mapping.
TEST(Vocab, LoadsAVocabularyOnlyFile) {
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("hearth_vocab_test_" + std::to_string(getpid()) +
                                                  ".gguf");
    ASSERT_TRUE(small_bpe().write_file(path.string()).ok());
    auto file = gguf::File::open(path.string());
    ASSERT_TRUE(file.ok()) << file.error().message;
    EXPECT_TRUE(file->tensors().empty());
    auto tokenizer = Tokenizer::from_gguf(*file);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.error().message;
    file = gguf::File();  // the tokenizer keeps its own copy
    std::filesystem::remove(path);
    EXPECT_EQ((*tokenizer)->encode("ab", false, false), std::vector<int32_t>{2});
    EXPECT_EQ((*tokenizer)->encode("<|endoftext|>", false, true), std::vector<int32_t>{4});
    EXPECT_EQ((*tokenizer)->decode(std::vector<int32_t>{2, 3, 0}, false), "ab a");
}

// A byte-level vocabulary lacking most byte characters: unknown bytes are dropped (there is no
// unknown token) rather than crashing, and an unknown token is used when there is one.
TEST(Vocab, BytesWithoutTokens) {
    auto tokenizer = testing::tokenizer_from(small_bpe());
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.error().message;
    EXPECT_EQ((*tokenizer)->encode("xab", false, false), std::vector<int32_t>{2});

    gguf::Writer with_unk = small_bpe();
    with_unk.set_u32(keys::kTokenizerUnkId, 4);
    auto unk_tokenizer = testing::tokenizer_from(with_unk);
    ASSERT_TRUE(unk_tokenizer.ok()) << unk_tokenizer.error().message;
    EXPECT_EQ((*unk_tokenizer)->encode("xab", false, false), (std::vector<int32_t>{4, 2}));
}

// Random byte flips of a valid file: the reader or the vocabulary refuses, or what loads can
// encode and decode anything without crashing (run under ASan/UBSan in CI).
TEST(Vocab, SurvivesCorruptedFiles) {
    log::set_level("error");  // corrupted merges and ids would log a warning each
    for (const bool spm : {true, false}) {
        auto bytes = (spm ? small_spm() : small_bpe()).write_memory();
        ASSERT_TRUE(bytes.ok());
        std::mt19937 rng(spm ? 1 : 2);
        size_t n_loaded = 0;
        for (int round = 0; round < 3000; ++round) {
            std::vector<uint8_t> corrupted = *bytes;
            const int n_flips = 1 + static_cast<int>(rng() % 3);
            for (int flip = 0; flip < n_flips; ++flip)
                corrupted[rng() % corrupted.size()] = static_cast<uint8_t>(rng());
            auto file = gguf::File::parse(corrupted.data(), corrupted.size());
            if (!file.ok()) continue;
            auto tokenizer = Tokenizer::from_gguf(*file);
            if (!tokenizer.ok()) {
                EXPECT_FALSE(tokenizer.error().message.empty());
                continue;
            }
            ++n_loaded;
            for (std::string_view text : {"ab a", "\xFF\xC3 <s></s>", "", "<|endoftext|>b"}) {
                const std::vector<int32_t> ids = (*tokenizer)->encode(text, true, true);
                for (int32_t id : ids) EXPECT_TRUE((*tokenizer)->is_valid(id));
                (void)(*tokenizer)->decode(ids, true);
            }
        }
        EXPECT_GT(n_loaded, 0u);
    }
    log::set_level("info");
}

}  // namespace
}  // namespace hearth::text
