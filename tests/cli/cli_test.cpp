// The `hearth` command line, run as a user would: the real binary on generated model files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "formats/gguf.h"
#include "tests/util/process.h"

namespace hearth {
namespace {

class CliTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::TempDir();
        model_ = dir_->file("llama.gguf");
        ASSERT_EQ(test::generate_model(model_, "--arch llama --ctx 256 --n-layer 2"), "");
    }
    static void TearDownTestSuite() { delete dir_; }
    static test::CommandResult hearth(const std::string& args) {
        return test::run_command(std::string(HEARTH_BINARY_DIR) + "/bin/hearth " + args);
    }
    static inline test::TempDir* dir_ = nullptr;
    static inline std::string model_;
};

TEST_F(CliTest, InfoPrintsArchitectureMetadataAndTensors) {
    auto result = hearth("info " + model_);
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("architecture:  llama"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("llama.block_count"), std::string::npos);
    EXPECT_NE(result.output.find("blk.0.attn_q.weight"), std::string::npos);
    EXPECT_NE(result.output.find("[256, 256]"), std::string::npos);
}

TEST_F(CliTest, TokenizeIdsAndPieces) {
    auto ids = hearth("tokenize -m " + model_ + " -p 'Hello world' --ids");
    ASSERT_EQ(ids.exit_code, 0) << ids.output;
    EXPECT_TRUE(std::regex_search(ids.output, std::regex(R"(^\[1, \d+(, \d+)*\]\n$)"))) << ids.output;
    auto no_bos = hearth("tokenize -m " + model_ + " -p 'Hello world' --ids --no-bos");
    EXPECT_EQ(no_bos.output, "[" + ids.output.substr(4)) << no_bos.output;  // the same list without "1, "
    auto pieces = hearth("tokenize -m " + model_ + " -p 'Hello'");
    EXPECT_NE(pieces.output.find("1 -> '<s>'"), std::string::npos) << pieces.output;
}

TEST_F(CliTest, TokenizeWorksOnAVocabularyOnlyFile) {
    auto full = gguf::File::open(model_);
    ASSERT_TRUE(full.ok());
    gguf::Writer vocab_only;
    for (const gguf::MetadataEntry& entry : full->metadata())
        if (std::string_view(entry.key).starts_with("tokenizer.") || entry.key == "general.architecture")
            vocab_only.set_value(entry.key, entry.value);
    const std::string path = dir_->file("vocab.gguf");
    ASSERT_TRUE(vocab_only.write_file(path).ok());
    auto from_vocab = hearth("tokenize -m " + path + " -p 'Hello world' --ids");
    auto from_model = hearth("tokenize -m " + model_ + " -p 'Hello world' --ids");
    ASSERT_EQ(from_vocab.exit_code, 0) << from_vocab.output;
    EXPECT_EQ(from_vocab.output, from_model.output);
}

TEST_F(CliTest, RunStreamsTextAndIsDeterministic) {
    auto first = hearth("run -m " + model_ + " -p 'Once upon' -n 16 --temp 0 --ignore-eos");
    ASSERT_EQ(first.exit_code, 0) << first.output;
    EXPECT_EQ(first.output.rfind("Once upon", 0), 0u) << first.output;  // the prompt is echoed first
    EXPECT_GT(first.output.size(), std::string("Once upon\n").size());
    auto second = hearth("run -m " + model_ + " -p 'Once upon' -n 16 --temp 0 --ignore-eos");
    EXPECT_EQ(first.output, second.output);
}

TEST_F(CliTest, RunRefusesTooLongARequest) {
    auto result = hearth("run -m " + model_ + " -p 'Hi' -n 300 --ctx 64");
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.output.find("the context holds 64"), std::string::npos) << result.output;
}

TEST_F(CliTest, QuantizeThenRun) {
    const std::string out = dir_->file("llama-q4_k.gguf");
    auto quant = hearth("quantize " + model_ + " " + out + " Q4_K");
    ASSERT_EQ(quant.exit_code, 0) << quant.output;
    EXPECT_NE(quant.output.find("100%"), std::string::npos) << quant.output;  // the progress bar ends full
    auto info = hearth("info " + out);
    EXPECT_NE(info.output.find("q4_K"), std::string::npos);
    EXPECT_NE(info.output.find("q6_K"), std::string::npos);  // output.weight keeps more precision
    auto run = hearth("run -m " + out + " -p 'Hi' -n 8 --temp 0");
    EXPECT_EQ(run.exit_code, 0) << run.output;
}

TEST_F(CliTest, QuantizeRefusals) {
    EXPECT_NE(hearth("quantize " + model_ + " " + dir_->file("x.gguf") + " IQ2_XXS").exit_code, 0);
    EXPECT_NE(hearth("quantize " + model_ + " " + model_ + " Q4_0").exit_code, 0);
    auto missing = hearth("quantize /nonexistent.gguf " + dir_->file("y.gguf") + " Q4_0");
    EXPECT_NE(missing.exit_code, 0);
    EXPECT_NE(missing.output.find("/nonexistent.gguf"), std::string::npos);
}

TEST_F(CliTest, PerplexityPrintsAFinalEstimate) {
    const std::string text_path = dir_->file("text.txt");
    {
        std::ofstream text(text_path);
        for (int idx = 0; idx < 200; ++idx) text << "The quick brown fox jumps over the lazy dog. ";
    }
    auto result = hearth("perplexity -m " + model_ + " -f " + text_path + " --ctx 64 --chunks 3");
    ASSERT_EQ(result.exit_code, 0) << result.output;
    std::smatch match;
    ASSERT_TRUE(std::regex_search(result.output, match, std::regex(R"(Final estimate: PPL = ([0-9.]+))")));
    const double ppl = std::stod(match[1]);
    EXPECT_GT(ppl, 1.0);
    EXPECT_LT(ppl, 1e6);
    auto too_short = hearth("perplexity -m " + model_ + " -f " + text_path + " --ctx 4096");
    EXPECT_NE(too_short.exit_code, 0);
    EXPECT_NE(too_short.output.find("at least 2 x ctx"), std::string::npos) << too_short.output;
}

TEST_F(CliTest, BenchJsonHasLlamaBenchFieldsPerTestAndThreadCount) {
    auto result = hearth("bench -m " + model_ + " -p 8 -n 4 -t 1,2 -r 2 --json");
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const std::string& out = result.output;
    ASSERT_EQ(out.rfind("[\n", 0), 0u) << out;
    ASSERT_NE(out.find("\n]\n"), std::string::npos) << out;
    // One object per (threads, test), in that order: pp8 and tg4 at 1 thread, then at 2.
    std::regex object(
        R"re("n_threads": (\d+),[\s\S]*?"n_prompt": (\d+),\s*"n_gen": (\d+),[\s\S]*?"avg_ts": ([0-9.]+),\s*"stddev_ts": ([0-9.]+),\s*"samples_ns": \[ \d+, \d+ \],\s*"samples_ts": \[ [0-9.]+, [0-9.]+ \])re");
    std::vector<std::string> seen;
    for (auto it = std::sregex_iterator(out.begin(), out.end(), object); it != std::sregex_iterator(); ++it) {
        const std::smatch& match = *it;
        seen.push_back(match[1].str() + ":" + match[2].str() + "/" + match[3].str());
        EXPECT_GT(std::stod(match[4]), 0.0) << out;
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"1:8/0", "1:0/4", "2:8/0", "2:0/4"})) << out;
    for (const char* field : {"\"model_size\": ", "\"model_type\": \"llama ", "\"bytes_per_token\": "})
        EXPECT_NE(out.find(field), std::string::npos) << field;

    auto table = hearth("bench -m " + model_ + " -p 8 -n 4 -t 1 -r 1");
    ASSERT_EQ(table.exit_code, 0) << table.output;
    EXPECT_NE(table.output.find("| pp8 |"), std::string::npos) << table.output;
    EXPECT_NE(table.output.find("| tg4 |"), std::string::npos) << table.output;
    auto nothing = hearth("bench -m " + model_ + " -p 0 -n 0");
    EXPECT_NE(nothing.exit_code, 0);
    EXPECT_NE(nothing.output.find("nothing to measure"), std::string::npos) << nothing.output;
}

TEST_F(CliTest, MissingModelIsAClearError) {
    auto result = hearth("run -m /nonexistent/model.gguf -p x");
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.output.find("cannot open '/nonexistent/model.gguf'"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace hearth
