// hearth perplexity -m FILE -f TEXT [--ctx N] [--chunks K]
//
// The definition llama.cpp's llama-perplexity uses, so the two programs' figures compare:
// the whole text is tokenized once (with BOS if the vocabulary adds it); it is cut into chunks of
// N tokens; each chunk is evaluated from an empty cache with its first token replaced by BOS
// (when the vocabulary adds one); the tokens of the second half of the chunk are scored: for
// positions j in [N/2, N-1), -log p(token[j+1] | token[0..j]). PPL = exp(mean of those).
#include <cmath>
#include <fstream>
#include <sstream>

#include "apps/hearth/commands.h"
#include "arch/llm_model.h"
#include "base/time.h"
#include "engine/llm/session.h"

namespace hearth::cli {

Runner add_perplexity(CLI::App& app) {
    struct Options {
        std::string model, file;
        int32_t n_ctx = 512;
        int32_t n_chunks = -1;
        int32_t n_threads = 0;
        bool kv_f32 = false;
    };
    auto opt = std::make_shared<Options>();
    auto* command = app.add_subcommand("perplexity", "Measure a model's perplexity on a text file");
    command->add_option("-m,--model", opt->model, "GGUF model file")->required();
    command->add_option("-f,--file", opt->file, "Text file")->required();
    command->add_option("--ctx", opt->n_ctx, "Tokens per chunk")->capture_default_str();
    command->add_option("--chunks", opt->n_chunks, "Chunks to score (-1: all)")->capture_default_str();
    command->add_option("-t,--threads", opt->n_threads, "Compute threads (0: physical cores)");
    command->add_flag("--kv-f32", opt->kv_f32, "Keep the KV cache in F32 (default F16)");
    return [opt]() -> int {
        std::ifstream in(opt->file, std::ios::binary);
        if (!in) {
            fmt::print(stderr, "error: cannot read '{}'\n", opt->file);
            return 1;
        }
        std::ostringstream buffer;
        buffer << in.rdbuf();
        const std::string text = buffer.str();
        if (opt->n_ctx < 8) {
            fmt::print(stderr, "error: --ctx must be at least 8\n");
            return 1;
        }
        auto model = arch::LlmModel::load(opt->model);
        if (!model.ok()) {
            fmt::print(stderr, "error: {}\n", model.error().message);
            return 1;
        }
        const text::Tokenizer& tokenizer = (*model)->tokenizer();
        std::vector<int32_t> tokens = tokenizer.encode(text, /*add_special=*/true, /*parse_special=*/false);
        const int32_t n_ctx = opt->n_ctx;
        if (static_cast<int64_t>(tokens.size()) < 2 * static_cast<int64_t>(n_ctx)) {
            fmt::print(stderr, "error: the text has {} tokens; at least 2 x ctx = {} are needed\n", tokens.size(),
                       2 * n_ctx);
            return 1;
        }
        const int32_t first = n_ctx / 2;
        int32_t n_chunks = static_cast<int32_t>(tokens.size() / static_cast<size_t>(n_ctx));
        if (opt->n_chunks >= 0) n_chunks = std::min(n_chunks, opt->n_chunks);

        engine::SessionConfig config;
        config.n_ctx = n_ctx;
        config.n_batch = n_ctx;
        config.max_output_rows = n_ctx - first;
        config.n_threads = opt->n_threads;
        config.kv_type = opt->kv_f32 ? DType::kF32 : DType::kF16;
        auto session = engine::LlmSession::create(**model, config);
        if (!session.ok()) {
            fmt::print(stderr, "error: {}\n", session.error().message);
            return 1;
        }
        const int64_t n_vocab = (*model)->hparams().n_vocab;
        const bool add_bos = tokenizer.add_bos() && tokenizer.bos_id() >= 0;
        std::vector<float> log_probs(static_cast<size_t>(n_vocab));
        double nll = 0.0;
        int64_t count = 0;
        fmt::print(stderr, "perplexity: {} tokens, {} chunks of {} (scoring the last {} of each)\n", tokens.size(),
                   n_chunks, n_ctx, n_ctx - first - 1);
        const auto start = Clock::now();
        for (int32_t chunk_idx = 0; chunk_idx < n_chunks; ++chunk_idx) {
            std::vector<int32_t> chunk(tokens.begin() + static_cast<long>(chunk_idx) * n_ctx,
                                       tokens.begin() + static_cast<long>(chunk_idx + 1) * n_ctx);
            if (add_bos) chunk[0] = tokenizer.bos_id();
            (*session)->reset();
            Status fed = (*session)->feed(chunk, engine::OutputRows::kAll, first);
            if (!fed.ok()) {
                fmt::print(stderr, "error: {}\n", fed.error().message);
                return 1;
            }
            for (int32_t pos = first; pos < n_ctx - 1; ++pos) {
                const float* logits = (*session)->logits(pos - first);
                engine::log_softmax(std::span<const float>(logits, static_cast<size_t>(n_vocab)), log_probs);
                const int32_t next = tokens[static_cast<size_t>(chunk_idx) * static_cast<size_t>(n_ctx) +
                                            static_cast<size_t>(pos) + 1];
                nll -= log_probs[static_cast<size_t>(next)];
                ++count;
            }
            fmt::print("[{}]{:.4f},", chunk_idx + 1, std::exp(nll / static_cast<double>(count)));
            std::fflush(stdout);
        }
        fmt::print("\nFinal estimate: PPL = {:.4f} ({} tokens scored, {:.1f} s)\n",
                   std::exp(nll / static_cast<double>(count)), count, seconds_since(start));
        return 0;
    };
}

}  // namespace hearth::cli
