// The executor's batching must not change results: a prompt fed in one step, in chunks, token
// by token, or side by side with another sequence gives the same logits.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/llm_model.h"
#include "engine/llm/block_pool.h"
#include "engine/llm/executor.h"
#include "engine/llm/kv_cache.h"
#include "tests/util/process.h"

namespace hearth::engine {
namespace {

class ExecutorTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::TempDir();
        const std::string path = dir_->file("qwen2.gguf");
        const std::string error = test::generate_model(path, "--arch qwen2 --n-layer 2");
        ASSERT_EQ(error, "");
        auto model = arch::LlmModel::load(path);
        ASSERT_TRUE(model.ok()) << model.error().message;
        model_ = std::move(model).value().release();
    }
    static void TearDownTestSuite() {
        delete model_;
        delete dir_;
    }

    // A fresh cache + executor, `n_seq` sequences with blocks for 64 positions each.
    struct Rig {
        std::unique_ptr<KvCache> cache;
        std::unique_ptr<BlockPool> blocks;
        std::unique_ptr<LlmExecutor> executor;
        std::vector<SequenceKv> seqs;
    };
    static Rig make_rig(int n_seq, int32_t max_step_tokens = 64, DType kv = DType::kF32) {
        Rig rig;
        KvCacheConfig config;
        config.block_size = 16;
        config.n_blocks = 4 * n_seq + 4;
        config.type = kv;
        rig.cache = std::make_unique<KvCache>(model_->hparams(), config);
        rig.blocks = std::make_unique<BlockPool>(config.n_blocks);
        ExecutorConfig exec;
        exec.max_step_tokens = max_step_tokens;
        exec.max_output_rows = 64;
        rig.executor = std::make_unique<LlmExecutor>(*model_, *rig.cache, exec);
        rig.seqs.resize(static_cast<size_t>(n_seq));
        // Interleave the sequences' blocks so block tables are not in physical order.
        for (int block_idx = 0; block_idx < 4; ++block_idx)
            for (SequenceKv& seq : rig.seqs) seq.block_table.push_back(*rig.blocks->allocate());
        return rig;
    }
    static std::vector<float> row(const LlmExecutor& executor, int32_t row_idx) {
        const float* logits = executor.logits(row_idx);
        return {logits, logits + model_->hparams().n_vocab};
    }
    static double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
        double diff = 0;
        for (size_t idx = 0; idx < a.size(); ++idx) diff = std::max(diff, std::fabs(double(a[idx]) - b[idx]));
        return diff;
    }

    static inline test::TempDir* dir_ = nullptr;
    static inline arch::LlmModel* model_ = nullptr;
    const std::vector<int32_t> prompt_ = {1, 40, 7, 300, 12, 5, 77, 150, 33, 8, 61, 2, 18, 200, 45,
                                          9, 120, 64, 31, 10, 256, 6, 88, 19, 27};
};

TEST_F(ExecutorTest, PrefillEqualsTokenByTokenDecode) {
    ThreadPool pool(2);
    Rig whole = make_rig(1);
    StepItem item{&whole.seqs[0], prompt_, OutputRows::kAll};
    ASSERT_TRUE(whole.executor->execute(std::span<const StepItem>(&item, 1), pool).ok());
    ASSERT_EQ(whole.executor->n_output_rows(), static_cast<int32_t>(prompt_.size()));
    EXPECT_EQ(whole.seqs[0].n_cached, static_cast<int32_t>(prompt_.size()));

    Rig stepwise = make_rig(1);
    for (size_t tok_idx = 0; tok_idx < prompt_.size(); ++tok_idx) {
        StepItem one{&stepwise.seqs[0], std::span<const int32_t>(&prompt_[tok_idx], 1)};
        ASSERT_TRUE(stepwise.executor->execute(std::span<const StepItem>(&one, 1), pool).ok());
        EXPECT_LT(max_diff(row(*stepwise.executor, 0), row(*whole.executor, static_cast<int32_t>(tok_idx))), 1e-4)
            << "position " << tok_idx;
    }
}

TEST_F(ExecutorTest, ChunkedPrefillEqualsOneStep) {
    ThreadPool pool(2);
    Rig whole = make_rig(1);
    StepItem item{&whole.seqs[0], prompt_};
    ASSERT_TRUE(whole.executor->execute(std::span<const StepItem>(&item, 1), pool).ok());
    const std::vector<float> expected = row(*whole.executor, 0);

    Rig chunked = make_rig(1, 7);
    const std::span<const int32_t> all(prompt_);
    for (size_t begin = 0; begin < prompt_.size(); begin += 7) {
        StepItem chunk{&chunked.seqs[0], all.subspan(begin, std::min<size_t>(7, prompt_.size() - begin))};
        ASSERT_TRUE(chunked.executor->execute(std::span<const StepItem>(&chunk, 1), pool).ok());
    }
    EXPECT_LT(max_diff(row(*chunked.executor, 0), expected), 1e-4);
}

TEST_F(ExecutorTest, BatchedSequencesEqualSeparateOnes) {
    ThreadPool pool(2);
    const std::vector<int32_t> other = {1, 5, 9, 13, 17, 21, 25, 29, 33};
    Rig batched = make_rig(2);
    StepItem items[2] = {{&batched.seqs[0], prompt_}, {&batched.seqs[1], other}};
    ASSERT_TRUE(batched.executor->execute(items, pool).ok());
    ASSERT_EQ(batched.executor->n_output_rows(), 2);
    const std::vector<float> first = row(*batched.executor, 0);
    const std::vector<float> second = row(*batched.executor, 1);
    // Then a decode step for both at different positions.
    const int32_t next[2] = {42, 43};
    StepItem decode[2] = {{&batched.seqs[0], std::span<const int32_t>(&next[0], 1)},
                          {&batched.seqs[1], std::span<const int32_t>(&next[1], 1)}};
    ASSERT_TRUE(batched.executor->execute(decode, pool).ok());
    const std::vector<float> first_next = row(*batched.executor, 0);
    const std::vector<float> second_next = row(*batched.executor, 1);

    for (int which = 0; which < 2; ++which) {
        Rig alone = make_rig(1);
        StepItem item{&alone.seqs[0], which == 0 ? std::span<const int32_t>(prompt_) : std::span<const int32_t>(other)};
        ASSERT_TRUE(alone.executor->execute(std::span<const StepItem>(&item, 1), pool).ok());
        EXPECT_LT(max_diff(row(*alone.executor, 0), which == 0 ? first : second), 1e-4);
        StepItem step{&alone.seqs[0], std::span<const int32_t>(&next[which], 1)};
        ASSERT_TRUE(alone.executor->execute(std::span<const StepItem>(&step, 1), pool).ok());
        EXPECT_LT(max_diff(row(*alone.executor, 0), which == 0 ? first_next : second_next), 1e-4);
    }
}

TEST_F(ExecutorTest, ThreadCountDoesNotChangeResults) {
    std::vector<float> reference;
    for (int n_threads : {1, 2, 3}) {
        ThreadPool pool(n_threads);
        Rig rig = make_rig(1);
        StepItem item{&rig.seqs[0], prompt_};
        ASSERT_TRUE(rig.executor->execute(std::span<const StepItem>(&item, 1), pool).ok());
        if (reference.empty()) reference = row(*rig.executor, 0);
        else EXPECT_LT(max_diff(row(*rig.executor, 0), reference), 1e-5) << n_threads << " threads";
    }
}

TEST_F(ExecutorTest, RefusesBadSteps) {
    ThreadPool pool(1);
    Rig rig = make_rig(1, 16);
    const std::vector<int32_t> bad_token = {1, static_cast<int32_t>(model_->hparams().n_vocab)};
    StepItem item{&rig.seqs[0], bad_token};
    auto status = rig.executor->execute(std::span<const StepItem>(&item, 1), pool);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("outside the vocabulary"), std::string::npos);
    EXPECT_EQ(rig.seqs[0].n_cached, 0);

    StepItem too_long{&rig.seqs[0], prompt_};  // 25 tokens > 16 per step
    EXPECT_FALSE(rig.executor->execute(std::span<const StepItem>(&too_long, 1), pool).ok());

    rig.seqs[0].block_table.resize(1);  // 16 positions only
    const std::vector<int32_t> seventeen(17, 3);
    Rig small = make_rig(1, 64);
    small.seqs[0].block_table.resize(1);
    StepItem overflow{&small.seqs[0], seventeen};
    auto no_blocks = small.executor->execute(std::span<const StepItem>(&overflow, 1), pool);
    ASSERT_FALSE(no_blocks.ok());
    EXPECT_NE(no_blocks.error().message.find("KV blocks"), std::string::npos);
}

}  // namespace
}  // namespace hearth::engine
