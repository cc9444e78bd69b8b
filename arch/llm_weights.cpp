#include "arch/llm_weights.h"

#include <cmath>

#include "formats/gguf_keys.h"
#include "kernels/quant.h"

namespace hearth::arch {
namespace {

namespace keys = gguf::keys;

const gguf::TensorInfo* find(const gguf::File& file, std::string_view name) {
    return file.find_tensor(name);
}

Status check_computable(const gguf::TensorInfo& info) {
    const DTypeInfo& type = dtype_info(info.type);
    if (!type.computable)
        return Error::make(Errc::kUnsupported, "tensor '{}' has type {}, which Hearth cannot compute",
                           info.name, type.name);
    return {};
}

Result<WeightMatrix> bind_matrix(const gguf::File& file, std::string_view name, int64_t n_cols,
                                 int64_t n_rows) {
    const gguf::TensorInfo* info = find(file, name);
    if (!info) return Error::make(Errc::kCorrupt, "tensor '{}' is missing", name);
    if (info->n_dims != 2 || info->ne[0] != n_cols || info->ne[1] != n_rows)
        return Error::make(Errc::kCorrupt, "tensor '{}' has shape {}, expected [{}, {}]", name,
                           info->shape_string(), n_cols, n_rows);
    HEARTH_TRY(check_computable(*info));
    WeightMatrix matrix;
    matrix.name = info->name;
    matrix.type = info->type;
    matrix.n_cols = n_cols;
    matrix.n_rows = n_rows;
    matrix.row_bytes = row_bytes_unchecked(info->type, n_cols);
    matrix.data = info->data;
    return matrix;
}

// A 1-D tensor of `n` elements as floats; `required` false returns an empty vector if absent.
Result<std::vector<float>> load_vector(const gguf::File& file, std::string_view name, int64_t n,
                                       bool required) {
    const gguf::TensorInfo* info = find(file, name);
    if (!info) {
        if (required) return Error::make(Errc::kCorrupt, "tensor '{}' is missing", name);
        return std::vector<float>{};
    }
    if (info->n_elements() != n || info->ne[0] != n)
        return Error::make(Errc::kCorrupt, "tensor '{}' has shape {}, expected [{}]", name,
                           info->shape_string(), n);
    HEARTH_TRY(check_computable(*info));
    std::vector<float> values(static_cast<size_t>(n));
    kernels::dequantize_row(info->type, info->data, values.data(), n);
    for (float value : values)
        if (!std::isfinite(value))
            return Error::make(Errc::kCorrupt, "tensor '{}' holds a non-finite value", name);
    return values;
}

}  // namespace

uint64_t LlmWeights::matrix_bytes() const {
    uint64_t total = token_embd.n_bytes() + (tied_output ? 0 : output.n_bytes());
    for (const LayerWeights& layer : layers)
        total += layer.wq.n_bytes() + layer.wk.n_bytes() + layer.wv.n_bytes() + layer.wo.n_bytes() +
                 layer.w_gate.n_bytes() + layer.w_up.n_bytes() + layer.w_down.n_bytes();
    return total;
}

Result<LlmWeights> bind_weights(const gguf::File& file, const LlmHParams& hp) {
    LlmWeights weights;
    HEARTH_ASSIGN_OR_RETURN(weights.token_embd, bind_matrix(file, keys::kTokenEmbd, hp.n_embd, hp.n_vocab));
    HEARTH_ASSIGN_OR_RETURN(weights.output_norm, load_vector(file, keys::kOutputNorm, hp.n_embd, true));
    if (find(file, keys::kOutput)) {
        HEARTH_ASSIGN_OR_RETURN(weights.output, bind_matrix(file, keys::kOutput, hp.n_embd, hp.n_vocab));
    } else {
        weights.output = weights.token_embd;
        weights.tied_output = true;
    }
    HEARTH_ASSIGN_OR_RETURN(weights.rope_freqs, load_vector(file, keys::kRopeFreqs, hp.rope_dims / 2, false));
    for (float factor : weights.rope_freqs)
        if (!(factor > 0.0f))
            return Error::make(Errc::kCorrupt, "tensor '{}' holds a non-positive frequency factor", keys::kRopeFreqs);

    const bool bias = hp.spec->qkv_bias;
    const bool qk_norm = hp.spec->qk_norm;
    weights.layers.resize(static_cast<size_t>(hp.n_layer));
    for (int64_t layer_idx = 0; layer_idx < hp.n_layer; ++layer_idx) {
        LayerWeights& layer = weights.layers[static_cast<size_t>(layer_idx)];
        const int block = static_cast<int>(layer_idx);
        auto name = [block](std::string_view suffix) { return keys::tensor_name(suffix, block); };
        HEARTH_ASSIGN_OR_RETURN(layer.attn_norm, load_vector(file, name(keys::kAttnNorm), hp.n_embd, true));
        HEARTH_ASSIGN_OR_RETURN(layer.wq, bind_matrix(file, name(keys::kAttnQ), hp.n_embd, hp.n_embd_q()));
        HEARTH_ASSIGN_OR_RETURN(layer.wk, bind_matrix(file, name(keys::kAttnK), hp.n_embd, hp.n_embd_k()));
        HEARTH_ASSIGN_OR_RETURN(layer.wv, bind_matrix(file, name(keys::kAttnV), hp.n_embd, hp.n_embd_v()));
        HEARTH_ASSIGN_OR_RETURN(layer.wo, bind_matrix(file, name(keys::kAttnOutput), hp.n_embd_attn_out(), hp.n_embd));
        HEARTH_ASSIGN_OR_RETURN(layer.bq, load_vector(file, name(keys::kAttnQBias), hp.n_embd_q(), bias));
        HEARTH_ASSIGN_OR_RETURN(layer.bk, load_vector(file, name(keys::kAttnKBias), hp.n_embd_k(), bias));
        HEARTH_ASSIGN_OR_RETURN(layer.bv, load_vector(file, name(keys::kAttnVBias), hp.n_embd_v(), bias));
        HEARTH_ASSIGN_OR_RETURN(layer.q_norm, load_vector(file, name(keys::kAttnQNorm), hp.head_dim, qk_norm));
        HEARTH_ASSIGN_OR_RETURN(layer.k_norm, load_vector(file, name(keys::kAttnKNorm), hp.head_dim, qk_norm));
        HEARTH_ASSIGN_OR_RETURN(layer.ffn_norm, load_vector(file, name(keys::kFfnNorm), hp.n_embd, true));
        HEARTH_ASSIGN_OR_RETURN(layer.w_gate, bind_matrix(file, name(keys::kFfnGate), hp.n_embd, hp.n_ff));
        HEARTH_ASSIGN_OR_RETURN(layer.w_up, bind_matrix(file, name(keys::kFfnUp), hp.n_embd, hp.n_ff));
        HEARTH_ASSIGN_OR_RETURN(layer.w_down, bind_matrix(file, name(keys::kFfnDown), hp.n_ff, hp.n_embd));
    }
    return weights;
}

}  // namespace hearth::arch
