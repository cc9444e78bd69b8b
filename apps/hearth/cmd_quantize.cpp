// hearth quantize IN OUT TYPE: rewrite a GGUF model with its weight matrices in another type.
//
// Which tensors change: every 2-D weight matrix (token embeddings included). Vectors (norms,
// biases) stay as they are. The output projection gets Q6_K when TYPE is a smaller type (as
// llama.cpp does: it is the most sensitive matrix), unless --pure. A matrix whose rows do not
// fit TYPE's block size falls back to Q8_0 (rows of 32) or F16.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "apps/hearth/commands.h"
#include "base/thread_pool.h"
#include "base/time.h"
#include "formats/gguf.h"
#include "formats/gguf_keys.h"
#include "kernels/quant.h"

namespace hearth::cli {
namespace {

// general.file_type values (llama_ftype), so other tools describe the file correctly.
uint32_t file_type_of(DType type) {
    switch (type) {
        case DType::kF32: return 0;
        case DType::kF16: return 1;
        case DType::kQ4_0: return 2;
        case DType::kQ4_1: return 3;
        case DType::kQ8_0: return 7;
        case DType::kQ5_0: return 8;
        case DType::kQ5_1: return 9;
        case DType::kQ2_K: return 10;
        case DType::kQ3_K: return 12;  // Q3_K_M
        case DType::kQ4_K: return 15;  // Q4_K_M
        case DType::kQ5_K: return 17;  // Q5_K_M
        case DType::kQ6_K: return 18;
        case DType::kBF16: return 32;
        default: return 0;
    }
}

bool is_matrix(const gguf::TensorInfo& info) {
    return info.n_dims == 2 && info.ne[1] > 1 && std::string_view(info.name).ends_with(".weight");
}

DType choose_type(const gguf::TensorInfo& info, DType requested, bool pure) {
    if (!is_matrix(info)) return info.type;
    DType type = requested;
    const bool small_type = dtype_info(requested).quantized && requested != DType::kQ8_0 &&
                            requested != DType::kQ6_K;
    if (!pure && small_type && info.name == gguf::keys::kOutput) type = DType::kQ6_K;
    if (info.ne[0] % dtype_info(type).block_size != 0)
        type = info.ne[0] % 32 == 0 ? DType::kQ8_0 : DType::kF16;
    return type;
}

class ProgressBar {
public:
    explicit ProgressBar(uint64_t total) : total_(total) {}
    void advance(uint64_t amount, std::string_view label) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_ += amount;
        const int width = 30;
        const int filled = total_ ? static_cast<int>(width * done_ / total_) : width;
        fmt::print(stderr, "\r[{}{}] {:3d}% {:<40.40}", std::string(static_cast<size_t>(filled), '#'),
                   std::string(static_cast<size_t>(width - filled), ' '),
                   total_ ? static_cast<int>(100 * done_ / total_) : 100, label);
    }
    void finish() { fmt::print(stderr, "\n"); }

private:
    std::mutex mutex_;
    uint64_t total_;
    uint64_t done_ = 0;
};

}  // namespace

Runner add_quantize(CLI::App& app) {
    struct Options {
        std::string input, output, type_name;
        int32_t n_threads = 0;
        bool pure = false;
    };
    auto opt = std::make_shared<Options>();
    auto* command = app.add_subcommand("quantize", "Convert a GGUF model's weights to another type");
    command->add_option("input", opt->input, "Input GGUF")->required();
    command->add_option("output", opt->output, "Output GGUF")->required();
    command->add_option("type", opt->type_name,
                        "Target type: Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K Q3_K Q4_K Q5_K Q6_K F16 BF16 F32")
        ->required();
    command->add_option("-t,--threads", opt->n_threads, "Threads (0: physical cores)");
    command->add_flag("--pure", opt->pure, "Quantize every matrix to TYPE (no Q6_K output layer)");
    return [opt]() -> int {
        auto type = parse_dtype(opt->type_name);
        if (!type.ok() || !kernels::can_quantize(*type) || *type == DType::kQ8_K) {
            fmt::print(stderr, "error: cannot quantize to '{}'\n", opt->type_name);
            return 1;
        }
        if (opt->input == opt->output) {
            fmt::print(stderr, "error: the output must be a different file than the input\n");
            return 1;
        }
        auto file = gguf::File::open(opt->input);
        if (!file.ok()) {
            fmt::print(stderr, "error: {}\n", file.error().message);
            return 1;
        }
        const gguf::File& in = *file;
        gguf::Writer writer(3);
        for (const gguf::MetadataEntry& entry : in.metadata()) writer.set_value(entry.key, entry.value);
        writer.set_alignment(in.alignment());
        writer.set_u32(gguf::keys::kFileType, file_type_of(*type));
        writer.set_u32(gguf::keys::kQuantizationVersion, 2);

        ThreadPool pool(opt->n_threads > 0 ? opt->n_threads : default_thread_count());
        uint64_t total_elements = 0;
        for (const gguf::TensorInfo& info : in.tensors()) total_elements += static_cast<uint64_t>(info.n_elements());
        auto progress = std::make_shared<ProgressBar>(total_elements);
        uint64_t bytes_in = 0, bytes_out = 0;
        for (const gguf::TensorInfo& info : in.tensors()) {
            const DType target = choose_type(info, *type, opt->pure);
            if (!dtype_info(info.type).computable && target != info.type) {
                fmt::print(stderr, "error: tensor '{}' has type {}, which cannot be converted\n", info.name,
                           dtype_name(info.type));
                return 1;
            }
            std::vector<int64_t> shape(info.ne, info.ne + info.n_dims);
            const gguf::TensorInfo* source = &info;
            bytes_in += info.n_bytes;
            bytes_out += static_cast<uint64_t>(info.n_rows()) * static_cast<uint64_t>(row_bytes_unchecked(target, info.ne[0]));
            Status added = writer.add_tensor(
                info.name, target, shape, [source, target, &pool, progress](std::span<uint8_t> out) -> Status {
                    const int64_t n_cols = source->ne[0];
                    const int64_t n_rows = source->n_rows();
                    if (target == source->type) {
                        std::memcpy(out.data(), source->data, out.size());
                        progress->advance(static_cast<uint64_t>(source->n_elements()), source->name);
                        return {};
                    }
                    const int64_t in_row = row_bytes_unchecked(source->type, n_cols);
                    const int64_t out_row = row_bytes_unchecked(target, n_cols);
                    std::atomic<bool> failed{false};
                    std::mutex error_mutex;
                    Error first_error;
                    pool.run([&](const ThreadCtx& ctx) {
                        std::vector<float> row(static_cast<size_t>(n_cols));
                        const Range rows = ctx.split(n_rows);
                        for (int64_t row_idx = rows.begin; row_idx < rows.end && !failed.load(); ++row_idx) {
                            kernels::dequantize_row(source->type, source->data + row_idx * in_row, row.data(), n_cols);
                            Status status = kernels::quantize_row(target, row.data(), out.data() + row_idx * out_row, n_cols);
                            if (!status.ok()) {
                                std::lock_guard<std::mutex> lock(error_mutex);
                                if (!failed.exchange(true))
                                    first_error = status.error().wrap("tensor '{}' row {}", source->name, row_idx);
                            }
                        }
                    });
                    if (failed.load()) return first_error;
                    progress->advance(static_cast<uint64_t>(source->n_elements()), source->name);
                    return {};
                });
            if (!added.ok()) {
                fmt::print(stderr, "error: {}\n", added.error().message);
                return 1;
            }
        }
        const auto start = Clock::now();
        Status written = writer.write_file(opt->output);
        progress->finish();
        if (!written.ok()) {
            fmt::print(stderr, "error: {}\n", written.error().message);
            return 1;
        }
        fmt::print(stderr, "quantized {} -> {} ({}): {:.1f} MiB -> {:.1f} MiB in {:.1f} s\n", opt->input, opt->output,
                   dtype_name(*type), bytes_in / 1048576.0, bytes_out / 1048576.0, seconds_since(start));
        return 0;
    };
}

}  // namespace hearth::cli
