// Loading a model: a valid file loads; every broken variant is refused with a message naming
// the problem (the variants are rewrites of a valid generated model).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "arch/llm_model.h"
#include "formats/gguf.h"
#include "formats/gguf_keys.h"
#include "tests/util/process.h"

namespace hearth::arch {
namespace {

namespace keys = gguf::keys;

class ModelLoadTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::TempDir();
        path_ = dir_->file("base.gguf");
        ASSERT_EQ(test::generate_model(path_, "--arch llama --n-layer 2"), "");
    }
    static void TearDownTestSuite() { delete dir_; }

    using MetaEdit = std::function<void(gguf::Writer&)>;
    // Returns true to keep the tensor; may change its type, shape or bytes.
    using TensorEdit = std::function<bool(std::string_view name, DType& type, std::vector<int64_t>& shape,
                                          std::vector<uint8_t>& bytes)>;

    // Loads a rewrite of the base model and returns the load error message ("" if it loaded).
    std::string load_variant(const MetaEdit& meta, const TensorEdit& tensor = nullptr) {
        auto base = gguf::File::open(path_);
        EXPECT_TRUE(base.ok());
        gguf::Writer writer;
        for (const gguf::MetadataEntry& entry : base->metadata()) writer.set_value(entry.key, entry.value);
        if (meta) meta(writer);
        for (const gguf::TensorInfo& info : base->tensors()) {
            DType type = info.type;
            std::vector<int64_t> shape(info.ne, info.ne + info.n_dims);
            std::vector<uint8_t> bytes(info.data, info.data + info.n_bytes);
            if (tensor && !tensor(info.name, type, shape, bytes)) continue;
            EXPECT_TRUE(writer.add_tensor(info.name, type, shape, std::move(bytes)).ok());
        }
        const std::string variant = dir_->file("variant.gguf");
        EXPECT_TRUE(writer.write_file(variant).ok());
        auto model = LlmModel::load(variant);
        return model.ok() ? "" : model.error().message;
    }

    static void expect_mentions(const std::string& message, const std::string& fragment) {
        EXPECT_NE(message.find(fragment), std::string::npos) << "message: " << message;
    }

    static inline test::TempDir* dir_ = nullptr;
    static inline std::string path_;
};

TEST_F(ModelLoadTest, ValidModelLoads) {
    auto model = LlmModel::load(path_);
    ASSERT_TRUE(model.ok()) << model.error().message;
    const LlmHParams& hp = (*model)->hparams();
    EXPECT_EQ(hp.spec->name, "llama");
    EXPECT_EQ(hp.n_layer, 2);
    EXPECT_EQ(hp.n_head, 4);
    EXPECT_EQ(hp.n_head_kv, 2);
    EXPECT_EQ(hp.head_dim, 64);
    EXPECT_EQ(hp.n_vocab, (*model)->tokenizer().n_vocab());
    EXPECT_FALSE((*model)->chat_template().empty());
    EXPECT_GT((*model)->bytes_per_token(), 0u);
    EXPECT_EQ((*model)->type_summary(), "F32");
    EXPECT_EQ(load_variant(nullptr), "");  // the rewrite itself is faithful
}

TEST_F(ModelLoadTest, UnknownArchitecture) {
    expect_mentions(load_variant([](gguf::Writer& w) { w.set_string(keys::kArchitecture, "gpt9"); }),
                    "architecture 'gpt9' is not supported");
}

TEST_F(ModelLoadTest, MissingTensor) {
    expect_mentions(load_variant(nullptr, [](std::string_view name, DType&, std::vector<int64_t>&, std::vector<uint8_t>&) {
                        return name != "blk.1.ffn_down.weight";
                    }),
                    "tensor 'blk.1.ffn_down.weight' is missing");
}

TEST_F(ModelLoadTest, WrongShape) {
    expect_mentions(load_variant(nullptr, [](std::string_view name, DType&, std::vector<int64_t>& shape, std::vector<uint8_t>&) {
                        if (name == "blk.0.attn_q.weight") std::swap(shape[0], shape[1]);  // same bytes, 256x256 anyway
                        if (name == "blk.0.attn_k.weight") std::swap(shape[0], shape[1]);
                        return true;
                    }),
                    "tensor 'blk.0.attn_k.weight' has shape [128, 256], expected [256, 128]");
}

TEST_F(ModelLoadTest, BadHeadGrouping) {
    expect_mentions(load_variant([](gguf::Writer& w) { w.set_u32("llama.attention.head_count_kv", 3); }),
                    "cannot be grouped");
}

TEST_F(ModelLoadTest, DimensionsOutOfRange) {
    expect_mentions(load_variant([](gguf::Writer& w) { w.set_u32("llama.block_count", 0); }),
                    "'llama.block_count' is 0, outside 1..512");
    expect_mentions(load_variant([](gguf::Writer& w) { w.set_u32("llama.block_count", 100000); }), "outside");
    expect_mentions(load_variant([](gguf::Writer& w) { w.set_u32("llama.attention.key_length", 512); }),
                    "outside 1..256");
    expect_mentions(load_variant([](gguf::Writer& w) { w.set_string("llama.context_length", "big"); }),
                    "expected an integer");
}

TEST_F(ModelLoadTest, EmbeddingDisagreesWithMetadata) {
    expect_mentions(load_variant([](gguf::Writer& w) { w.set_u32("llama.embedding_length", 512); }),
                    "token_embd.weight' has shape [256, 400], expected [512, n_vocab]");
}

TEST_F(ModelLoadTest, UncomputableType) {
    // IQ2_XXS: a valid GGUF type Hearth does not compute (66 bytes per 256 elements).
    expect_mentions(load_variant(nullptr, [](std::string_view name, DType& type, std::vector<int64_t>& shape, std::vector<uint8_t>& bytes) {
                        if (name == "blk.0.ffn_up.weight") {
                            type = DType::kIQ2_XXS;
                            bytes.assign(static_cast<size_t>(shape[0] / 256 * 66 * shape[1]), 0);
                        }
                        return true;
                    }),
                    "has type iq2_xxs, which Hearth cannot compute");
}

TEST_F(ModelLoadTest, TokenizerProblems) {
    expect_mentions(load_variant([](gguf::Writer& w) { w.remove(keys::kTokenizerModel); }), "tokenizer.ggml.model");
    expect_mentions(load_variant([](gguf::Writer& w) { w.remove(keys::kTokenizerTokens); }), "tokenizer.ggml.tokens");
    // A consistent vocabulary of 300 tokens for a 400-row embedding.
    expect_mentions(load_variant([](gguf::Writer& w) {
                        std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
                        for (int byte = 0; byte < 256; ++byte) tokens.push_back(fmt::format("<0x{:02X}>", byte));
                        while (tokens.size() < 300) tokens.push_back("t" + std::to_string(tokens.size()));
                        w.set_array_strings(keys::kTokenizerTokens, tokens);
                        std::vector<float> scores(tokens.size(), 0.0f);
                        w.set_array_f32(keys::kTokenizerScores, scores);
                        std::vector<int32_t> types(tokens.size(), 1);
                        types[0] = 2;
                        types[1] = types[2] = 3;
                        for (int byte = 0; byte < 256; ++byte) types[3 + static_cast<size_t>(byte)] = 6;
                        w.set_array_i32(keys::kTokenizerTokenType, types);
                    }),
                    "the tokenizer has 300 tokens but the embedding has 400 rows");
}

TEST_F(ModelLoadTest, NonFiniteNormWeight) {
    expect_mentions(load_variant(nullptr, [](std::string_view name, DType&, std::vector<int64_t>&, std::vector<uint8_t>& bytes) {
                        if (name == "output_norm.weight") {
                            const float nan = NAN;
                            std::memcpy(bytes.data() + 8, &nan, 4);
                        }
                        return true;
                    }),
                    "non-finite");
}

TEST_F(ModelLoadTest, UnsupportedRopeScaling) {
    expect_mentions(load_variant([](gguf::Writer& w) { w.set_string("llama.rope.scaling.type", "longrope"); }),
                    "rope scaling 'longrope' is not supported");
}

TEST_F(ModelLoadTest, TruncatedFileNamesThePath) {
    const std::string truncated = dir_->file("truncated.gguf");
    std::filesystem::copy_file(path_, truncated, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(truncated, std::filesystem::file_size(path_) - 1000);
    auto model = LlmModel::load(truncated);
    ASSERT_FALSE(model.ok());
    expect_mentions(model.error().message, truncated);
    expect_mentions(model.error().message, "truncated file");
}

}  // namespace
}  // namespace hearth::arch
