// hearth bench -m FILE [-p 512] [-n 128] [-t N] [-r REPS] [--json]
//
// Speed the way llama-bench measures it, so the two programs' numbers compare directly:
//   ppN  N random tokens (BOS first) processed from an empty context in batches of -b tokens;
//   tgN  N tokens decoded one at a time from an empty context (random tokens, no sampling).
// Each test runs once to warm up, then -r times; t/s is tokens / seconds of each run, reported as
// mean and standard deviation over the runs. Generation tests also report the weight bytes read
// per token and the achieved bandwidth (bytes per token x tokens per second).
// --json prints an array of objects with llama-bench's field names (n_prompt, n_gen, n_threads,
// avg_ts, stddev_ts, model_size, model_type, ...).
#include <chrono>
#include <cmath>
#include <random>
#include <sstream>

#include "apps/hearth/commands.h"
#include "arch/llm_model.h"
#include "base/cpu_features.h"
#include "engine/llm/session.h"

namespace hearth::cli {
namespace {

std::vector<int32_t> parse_list(const std::string& text) {
    std::vector<int32_t> values;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ','))
        if (!item.empty()) values.push_back(std::stoi(item));
    return values;
}

std::string size_label(uint64_t n_params) {
    if (n_params >= 1000000000ull) return fmt::format("{:.1f}B", static_cast<double>(n_params) / 1e9);
    return fmt::format("{}M", (n_params + 500000) / 1000000);
}

std::string json_escape(std::string_view text) {
    std::string out;
    for (char ch : text) {
        if (ch == '"' || ch == '\\') out += '\\';
        if (static_cast<unsigned char>(ch) < 0x20) {
            out += fmt::format("\\u{:04x}", static_cast<int>(ch));
            continue;
        }
        out += ch;
    }
    return out;
}

struct BenchResult {
    int32_t n_prompt = 0, n_gen = 0, n_threads = 0;
    std::vector<double> samples_ns;
    double avg_ts = 0, stddev_ts = 0, avg_ns = 0, stddev_ns = 0;
    std::vector<double> samples_ts;
};

void summarize(BenchResult& result) {
    const int32_t n_tokens = result.n_prompt + result.n_gen;
    for (double ns : result.samples_ns) result.samples_ts.push_back(1e9 * n_tokens / ns);
    auto mean_sd = [](const std::vector<double>& values, double* mean, double* sd) {
        double sum = 0;
        for (double value : values) sum += value;
        *mean = sum / static_cast<double>(values.size());
        double squares = 0;
        for (double value : values) squares += (value - *mean) * (value - *mean);
        *sd = values.size() > 1 ? std::sqrt(squares / static_cast<double>(values.size() - 1)) : 0.0;
    };
    mean_sd(result.samples_ts, &result.avg_ts, &result.stddev_ts);
    mean_sd(result.samples_ns, &result.avg_ns, &result.stddev_ns);
}

}  // namespace

Runner add_bench(CLI::App& app) {
    struct Options {
        std::string model;
        std::string prompts = "512", gens = "128", threads;
        int32_t reps = 5;
        int32_t n_batch = 512;
        bool json = false;
        bool kv_f32 = false;
    };
    auto opt = std::make_shared<Options>();
    auto* command = app.add_subcommand("bench", "Measure prompt processing and generation speed (llama-bench's tests)");
    command->add_option("-m,--model", opt->model, "GGUF model file")->required();
    command->add_option("-p,--n-prompt", opt->prompts, "Prompt lengths, comma-separated (0: none)")->capture_default_str();
    command->add_option("-n,--n-gen", opt->gens, "Generation lengths, comma-separated (0: none)")->capture_default_str();
    command->add_option("-t,--threads", opt->threads, "Thread counts, comma-separated (default: physical cores)");
    command->add_option("-r,--repetitions", opt->reps, "Runs per test")->capture_default_str();
    command->add_option("-b,--batch-size", opt->n_batch, "Tokens per forward step when processing a prompt")
        ->capture_default_str();
    command->add_flag("--kv-f32", opt->kv_f32, "Keep the KV cache in F32 (default F16)");
    command->add_flag("--json", opt->json, "Print a JSON array (llama-bench's field names)");
    return [opt]() -> int {
        auto model = arch::LlmModel::load(opt->model);
        if (!model.ok()) {
            fmt::print(stderr, "error: {}\n", model.error().message);
            return 1;
        }
        const arch::LlmModel& llm = **model;
        std::vector<int32_t> thread_counts = opt->threads.empty() ? std::vector<int32_t>{default_thread_count()}
                                                                  : parse_list(opt->threads);
        std::vector<std::pair<int32_t, int32_t>> tests;  // (n_prompt, n_gen)
        for (int32_t n_prompt : parse_list(opt->prompts))
            if (n_prompt > 0) tests.emplace_back(n_prompt, 0);
        for (int32_t n_gen : parse_list(opt->gens))
            if (n_gen > 0) tests.emplace_back(0, n_gen);
        if (tests.empty() || opt->reps < 1) {
            fmt::print(stderr, "error: nothing to measure\n");
            return 1;
        }
        const uint64_t model_size = llm.file().tensor_bytes();
        const uint64_t n_params = llm.n_params();
        const std::string model_type =
            fmt::format("{} {} {}", llm.hparams().spec->name, size_label(n_params), llm.type_summary());
        const double bytes_per_token = static_cast<double>(llm.bytes_per_token());
        const int64_t n_vocab = llm.hparams().n_vocab;
        const int32_t bos = llm.tokenizer().add_bos() ? llm.tokenizer().bos_id() : -1;

        std::vector<BenchResult> results;
        if (!opt->json) {
            fmt::print("| model | size | params | backend | threads | test | t/s | GB/s |\n");
            fmt::print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n");
        }
        for (int32_t n_threads : thread_counts) {
            for (const auto& [n_prompt, n_gen] : tests) {
                engine::SessionConfig config;
                config.n_ctx = std::max(n_prompt + n_gen, 16) + 1;
                config.n_threads = n_threads;
                config.n_batch = std::min(opt->n_batch, std::max(n_prompt, 1));
                config.kv_type = opt->kv_f32 ? DType::kF32 : DType::kF16;
                auto session = engine::LlmSession::create(llm, config);
                if (!session.ok()) {
                    fmt::print(stderr, "error: {}\n", session.error().message);
                    return 1;
                }
                std::mt19937 rng(1234);
                auto random_token = [&] { return static_cast<int32_t>(rng() % static_cast<uint32_t>(n_vocab)); };
                BenchResult result;
                result.n_prompt = n_prompt;
                result.n_gen = n_gen;
                result.n_threads = n_threads;
                for (int32_t rep = -1; rep < opt->reps; ++rep) {  // rep -1 warms up
                    (*session)->reset();
                    std::vector<int32_t> tokens;
                    if (n_prompt > 0) {
                        tokens.resize(static_cast<size_t>(n_prompt));
                        for (int32_t& token : tokens) token = random_token();
                        if (bos >= 0) tokens[0] = bos;
                    }
                    const auto start = std::chrono::steady_clock::now();
                    Status status;
                    if (n_prompt > 0) {
                        status = (*session)->feed(tokens);
                    } else {
                        int32_t token = bos >= 0 ? bos : random_token();
                        for (int32_t gen_idx = 0; gen_idx < n_gen && status.ok(); ++gen_idx) {
                            status = (*session)->feed(std::span<const int32_t>(&token, 1));
                            token = random_token();
                        }
                    }
                    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
                    if (!status.ok()) {
                        fmt::print(stderr, "error: {}\n", status.error().message);
                        return 1;
                    }
                    if (rep >= 0) result.samples_ns.push_back(ns);
                }
                summarize(result);
                if (!opt->json) {
                    const std::string test = n_prompt > 0 ? fmt::format("pp{}", n_prompt) : fmt::format("tg{}", n_gen);
                    const std::string gbps =
                        n_gen > 0 ? fmt::format("{:.2f}", bytes_per_token * result.avg_ts / 1e9) : std::string("");
                    fmt::print("| {} | {:.2f} MiB | {:.2f} {} | CPU ({}) | {} | {} | {:.2f} ± {:.2f} | {} |\n", model_type,
                               static_cast<double>(model_size) / 1048576.0,
                               n_params >= 1000000000ull ? static_cast<double>(n_params) / 1e9 : static_cast<double>(n_params) / 1e6,
                               n_params >= 1000000000ull ? "B" : "M", isa_name(active_isa()), n_threads, test,
                               result.avg_ts, result.stddev_ts, gbps);
                    std::fflush(stdout);
                }
                results.push_back(std::move(result));
            }
        }
        if (!opt->json) {
            fmt::print("\nweights read per generated token: {:.2f} MiB ({})\n", bytes_per_token / 1048576.0,
                       cpu_features().brand);
            return 0;
        }
        fmt::print("[\n");
        for (size_t idx = 0; idx < results.size(); ++idx) {
            const BenchResult& r = results[idx];
            auto join = [](const std::vector<double>& values, bool integral) {
                std::string text;
                for (double value : values) {
                    if (!text.empty()) text += ", ";
                    text += integral ? fmt::format("{}", static_cast<int64_t>(value)) : fmt::format("{:.6f}", value);
                }
                return text;
            };
            fmt::print("  {{\n");
            fmt::print("    \"build_commit\": \"hearth\",\n    \"cpu_info\": \"{}\",\n    \"backends\": \"CPU\",\n",
                       json_escape(cpu_features().brand));
            fmt::print("    \"isa\": \"{}\",\n", isa_name(active_isa()));
            fmt::print("    \"model_filename\": \"{}\",\n    \"model_type\": \"{}\",\n", json_escape(opt->model),
                       json_escape(model_type));
            fmt::print("    \"model_size\": {},\n    \"model_n_params\": {},\n", model_size, n_params);
            fmt::print("    \"n_batch\": {},\n    \"n_ubatch\": {},\n    \"n_threads\": {},\n", opt->n_batch,
                       opt->n_batch, r.n_threads);
            fmt::print("    \"type_k\": \"{}\",\n    \"type_v\": \"{}\",\n", opt->kv_f32 ? "f32" : "f16",
                       opt->kv_f32 ? "f32" : "f16");
            fmt::print("    \"use_mmap\": true,\n    \"n_prompt\": {},\n    \"n_gen\": {},\n", r.n_prompt, r.n_gen);
            fmt::print("    \"avg_ns\": {},\n    \"stddev_ns\": {},\n", static_cast<int64_t>(r.avg_ns),
                       static_cast<int64_t>(r.stddev_ns));
            fmt::print("    \"avg_ts\": {:.6f},\n    \"stddev_ts\": {:.6f},\n", r.avg_ts, r.stddev_ts);
            fmt::print("    \"samples_ns\": [ {} ],\n    \"samples_ts\": [ {} ],\n", join(r.samples_ns, true),
                       join(r.samples_ts, false));
            fmt::print("    \"bytes_per_token\": {},\n    \"avg_gbps\": {:.4f}\n", static_cast<uint64_t>(bytes_per_token),
                       r.n_gen > 0 ? bytes_per_token * r.avg_ts / 1e9 : 0.0);
            fmt::print("  }}{}\n", idx + 1 < results.size() ? "," : "");
        }
        fmt::print("]\n");
        return 0;
    };
}

}  // namespace hearth::cli
