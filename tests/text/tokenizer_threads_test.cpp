// One Tokenizer shared by many threads: concurrent encode/decode give the single-threaded
// results (and, under ThreadSanitizer, no data race).
#include <gtest/gtest.h>

#include <thread>

#include "tests/text/fixtures.h"
#include "text/stream_decoder.h"
#include "text/tokenizer.h"

namespace hearth::text {
namespace {

void check_concurrent_use(const Tokenizer& tokenizer, const std::vector<std::string>& texts) {
    std::vector<std::vector<int32_t>> expected;
    for (const std::string& text : texts) expected.push_back(tokenizer.encode(text, true, true));

    constexpr int kThreads = 4;
    std::vector<int> mismatches(kThreads, 0);
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
        threads.emplace_back([&, thread_idx] {
            for (int round = 0; round < 20; ++round) {
                for (size_t text_idx = 0; text_idx < texts.size(); ++text_idx) {
                    const size_t pick = (text_idx + static_cast<size_t>(thread_idx)) % texts.size();
                    const std::vector<int32_t> ids = tokenizer.encode(texts[pick], true, true);
                    if (ids != expected[pick]) ++mismatches[static_cast<size_t>(thread_idx)];
                    StreamDecoder decoder(tokenizer);
                    std::string streamed;
                    for (int32_t id : ids) streamed += decoder.push(id);
                    streamed += decoder.flush();
                    if (streamed != tokenizer.decode(ids, false))
                        ++mismatches[static_cast<size_t>(thread_idx)];
                }
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (int count : mismatches) EXPECT_EQ(count, 0);
}

TEST(TokenizerThreads, SpmConcurrentEncodeDecode) {
    const nlohmann::json data = testing::load_test_data("spm.json");
    auto tokenizer = testing::tokenizer_from(testing::spm_writer(data));
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.error().message;
    std::vector<std::string> texts;
    for (const auto& test : data.at("cases")) texts.push_back(test.at("text"));
    check_concurrent_use(**tokenizer, texts);
}

TEST(TokenizerThreads, BpeConcurrentEncodeDecode) {
    const nlohmann::json data = testing::load_test_data("bpe.json");
    auto tokenizer = testing::tokenizer_from(testing::bpe_writer(data, "llama-bpe"));
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.error().message;
    std::vector<std::string> texts;
    for (const auto& test : data.at("pre_tokenizers").at(1).at("cases"))
        texts.push_back(test.at("text"));
    check_concurrent_use(**tokenizer, texts);
}

}  // namespace
}  // namespace hearth::text
