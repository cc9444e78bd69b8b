// Local validation against llama.cpp's tokenizer test vectors (models/ggml-vocab-*.gguf with
// their .inp/.out files). They are not part of this repository: the test runs when
// HEARTH_LLAMACPP_VOCAB_DIR names a folder holding them and is skipped otherwise.
//
// .inp holds the test strings, each followed by "\n__ggml_vocab_test__\n"; .out holds one line
// of space-separated ids per string (add_special and parse_special both off).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/text/fixtures.h"
#include "text/tokenizer.h"

namespace hearth::text {
namespace {

std::string read_all(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream out;
    out << file.rdbuf();
    return out.str();
}

struct Vectors {
    std::vector<std::string> texts;
    std::vector<std::vector<int32_t>> ids;
};

Vectors read_vectors(const std::filesystem::path& gguf_path) {
    Vectors vectors;
    const std::string inputs = read_all(gguf_path.string() + ".inp");
    const std::string separator = "\n__ggml_vocab_test__\n";
    for (size_t pos = 0; pos < inputs.size();) {
        const size_t next = inputs.find(separator, pos);
        if (next == std::string::npos) {
            vectors.texts.push_back(inputs.substr(pos));
            break;
        }
        vectors.texts.push_back(inputs.substr(pos, next - pos));
        pos = next + separator.size();
    }
    std::istringstream outputs(read_all(gguf_path.string() + ".out"));
    for (std::string line; std::getline(outputs, line);) {
        std::istringstream numbers(line);
        std::vector<int32_t> ids;
        for (int32_t id; numbers >> id;) ids.push_back(id);
        vectors.ids.push_back(std::move(ids));
    }
    return vectors;
}

class LlamaCppVocabTest : public ::testing::TestWithParam<const char*> {};

TEST_P(LlamaCppVocabTest, MatchesExpectedIds) {
    const char* dir = std::getenv("HEARTH_LLAMACPP_VOCAB_DIR");
    if (!dir) GTEST_SKIP() << "HEARTH_LLAMACPP_VOCAB_DIR is not set";
    const std::filesystem::path path =
        std::filesystem::path(dir) / (std::string("ggml-vocab-") + GetParam() + ".gguf");
    if (!std::filesystem::exists(path) || std::filesystem::file_size(path) == 0)
        GTEST_SKIP() << path << " is not there";

    auto file = gguf::File::open(path.string());
    ASSERT_TRUE(file.ok()) << file.error().message;
    auto tokenizer = Tokenizer::from_gguf(*file);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.error().message;
    const Vectors vectors = read_vectors(path);
    ASSERT_EQ(vectors.texts.size(), vectors.ids.size());
    ASSERT_GT(vectors.texts.size(), 0u);

    size_t n_passed = 0;
    size_t n_round_trips = 0;
    for (size_t idx = 0; idx < vectors.texts.size(); ++idx) {
        const std::string& text = vectors.texts[idx];
        const std::vector<int32_t> actual = (*tokenizer)->encode(text, false, false);
        if (actual == vectors.ids[idx]) ++n_passed;
        EXPECT_EQ(actual, vectors.ids[idx])
            << "text: " << ::testing::PrintToString(text)
            << "\n  expected " << testing::describe(**tokenizer, vectors.ids[idx])
            << "\n  actual   " << testing::describe(**tokenizer, actual);
        if ((*tokenizer)->decode(actual, false) == text) ++n_round_trips;
    }
    EXPECT_EQ(n_round_trips, vectors.texts.size());
    std::printf("%s: %zu/%zu match llama.cpp's expected ids, %zu/%zu round trip\n", GetParam(),
                n_passed, vectors.texts.size(), n_round_trips, vectors.texts.size());
    RecordProperty("passed", static_cast<int>(n_passed));
    RecordProperty("total", static_cast<int>(vectors.texts.size()));
}

INSTANTIATE_TEST_SUITE_P(Vocabs, LlamaCppVocabTest,
                         ::testing::Values("llama-spm", "llama-bpe", "qwen2", "gpt-2"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                             std::string name = info.param;
                             for (char& ch : name) {
                                 if (ch == '-') ch = '_';
                             }
                             return name;
                         });

}  // namespace
}  // namespace hearth::text
