// hearth run [-m FILE] -p PROMPT: generate text from a prompt and stream it to stdout. Without
// -m, the built-in model (apps/hearth/builtin_model.h).
#include <cstdio>

#include "apps/hearth/builtin_model.h"
#include "apps/hearth/commands.h"
#include "arch/llm_model.h"
#include "base/log.h"
#include "engine/llm/session.h"

namespace hearth::cli {

Runner add_run(CLI::App& app) {
    struct Options {
        std::string model;
        std::string prompt;
        int32_t n_predict = 128;
        int32_t n_ctx = 2048;
        int32_t n_threads = 0;
        bool kv_f32 = false;
        bool no_bos = false;
        bool ignore_eos = false;
        bool timings = false;
        engine::SamplingParams sampling;
    };
    auto opt = std::make_shared<Options>();
    auto* command = app.add_subcommand("run", "Generate text from a prompt with a GGUF language model");
    command->add_option("-m,--model", opt->model,
                        fmt::format("GGUF model file (default: the built-in model, {})", builtin_model_location()));
    command->add_option("-p,--prompt", opt->prompt, "The prompt")->required();
    command->add_option("-n,--n-predict", opt->n_predict, "Tokens to generate")->capture_default_str();
    command->add_option("--ctx", opt->n_ctx, "Context size in tokens (0: the model's)")->capture_default_str();
    command->add_option("-t,--threads", opt->n_threads, "Compute threads (0: physical cores)");
    command->add_option("--temp", opt->sampling.temperature, "Temperature (0: greedy)")->capture_default_str();
    command->add_option("--top-k", opt->sampling.top_k, "Top-k (0: off)")->capture_default_str();
    command->add_option("--top-p", opt->sampling.top_p, "Top-p (1: off)")->capture_default_str();
    command->add_option("--min-p", opt->sampling.min_p, "Min-p (0: off)")->capture_default_str();
    command->add_option("--repeat-penalty", opt->sampling.repeat_penalty, "Repetition penalty (1: off)")
        ->capture_default_str();
    command->add_option("--seed", opt->sampling.seed, "Random seed")->capture_default_str();
    command->add_flag("--kv-f32", opt->kv_f32, "Keep the KV cache in F32 (default F16)");
    command->add_flag("--no-bos", opt->no_bos, "Do not add the BOS token the vocabulary asks for");
    command->add_flag("--ignore-eos", opt->ignore_eos, "Keep generating past end-of-generation tokens");
    command->add_flag("--timings", opt->timings, "Print prompt and generation speed to stderr");
    return [opt]() {
        if (opt->model.empty()) {
            auto builtin = builtin_model_path();
            if (!builtin.ok()) {
                fmt::print(stderr, "error: {}\n", builtin.error().message);
                return 1;
            }
            opt->model = *builtin;
            log::info("no model named: using the built-in model '{}' ({})", kBuiltinModelId, opt->model);
        }
        auto model = arch::LlmModel::load(opt->model);
        if (!model.ok()) {
            fmt::print(stderr, "error: {}\n", model.error().message);
            return 1;
        }
        engine::SessionConfig config;
        config.n_ctx = opt->n_ctx;
        config.n_threads = opt->n_threads;
        config.kv_type = opt->kv_f32 ? DType::kF32 : DType::kF16;
        auto session = engine::LlmSession::create(**model, config);
        if (!session.ok()) {
            fmt::print(stderr, "error: {}\n", session.error().message);
            return 1;
        }
        const std::vector<int32_t> prompt =
            (*model)->tokenizer().encode(opt->prompt, /*add_special=*/!opt->no_bos, /*parse_special=*/true);
        std::fwrite(opt->prompt.data(), 1, opt->prompt.size(), stdout);
        std::fflush(stdout);
        auto stats = (*session)->generate(
            prompt, opt->n_predict, opt->sampling,
            [](std::string_view text, int32_t) {
                std::fwrite(text.data(), 1, text.size(), stdout);
                std::fflush(stdout);
                return true;
            },
            opt->ignore_eos);
        std::fputc('\n', stdout);
        if (!stats.ok()) {
            fmt::print(stderr, "error: {}\n", stats.error().message);
            return 1;
        }
        if (opt->timings) {
            const auto& st = *stats;
            fmt::print(stderr, "prompt: {} tokens in {:.3f} s ({:.1f} t/s); generated: {} tokens in {:.3f} s ({:.1f} t/s)\n",
                       st.n_prompt, st.prompt_seconds, st.n_prompt / std::max(st.prompt_seconds, 1e-9),
                       st.n_generated, st.generate_seconds, st.n_generated / std::max(st.generate_seconds, 1e-9));
        }
        return 0;
    };
}

}  // namespace hearth::cli
