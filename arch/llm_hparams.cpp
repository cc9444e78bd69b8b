#include "arch/llm_hparams.h"

#include <cmath>

#include "formats/gguf_keys.h"

namespace hearth::arch {
namespace {

namespace keys = gguf::keys;

// A positive integer no larger than `limit`, from `key`; `fallback` when absent (0: required).
Result<int64_t> get_dim(const gguf::File& file, const std::string& key, int64_t limit,
                        int64_t fallback = 0) {
    const gguf::Value* value = file.find(key);
    if (!value) {
        if (fallback > 0) return fallback;
        return Error::make(Errc::kCorrupt, "metadata key '{}' is missing", key);
    }
    std::optional<int64_t> number = value->as_int();
    if (!number && value->is_array() && value->array_size() > 0) {
        // Per-layer arrays (some converters write them): accept when every entry is equal.
        auto entries = value->array_as_int();
        if (entries) {
            bool uniform = true;
            for (int64_t entry : *entries) uniform = uniform && entry == (*entries)[0];
            if (!uniform)
                return Error::make(Errc::kUnsupported, "'{}' differs between layers; not supported", key);
            number = (*entries)[0];
        }
    }
    if (!number)
        return Error::make(Errc::kCorrupt, "metadata '{}' is a {}, expected an integer", key,
                           gguf::value_type_name(value->type()));
    if (*number < 1 || *number > limit)
        return Error::make(Errc::kCorrupt, "metadata '{}' is {}, outside 1..{}", key, *number, limit);
    return *number;
}

Result<float> get_positive_float(const gguf::File& file, const std::string& key, float fallback) {
    if (!file.find(key)) return fallback;
    HEARTH_ASSIGN_OR_RETURN(double value, file.get_float(key));
    if (!(value > 0.0) || !std::isfinite(value))
        return Error::make(Errc::kCorrupt, "metadata '{}' is {}, expected a positive number", key, value);
    return static_cast<float>(value);
}

}  // namespace

kernels::RopeConfig LlmHParams::rope_config() const {
    kernels::RopeConfig config;
    config.n_dims = static_cast<int>(rope_dims);
    config.mode = spec->rope_mode;
    config.freq_base = rope_freq_base;
    config.freq_scale = rope_freq_scale;
    config.ext_factor = rope_ext_factor;
    config.attn_factor = rope_attn_factor;
    config.beta_fast = 32.0f;
    config.beta_slow = 1.0f;
    config.n_ctx_orig = static_cast<int>(rope_n_ctx_orig);
    return config;
}

Result<LlmHParams> load_hparams(const gguf::File& file) {
    LlmHParams hp;
    HEARTH_ASSIGN_OR_RETURN(std::string_view arch_name, file.get_string(keys::kArchitecture));
    hp.spec = find_arch(arch_name);
    if (!hp.spec)
        return Error::make(Errc::kUnsupported, "architecture '{}' is not supported (supported: llama, qwen2, qwen3)",
                           arch_name);
    const std::string arch(arch_name);
    auto key = [&](std::string_view suffix) { return keys::arch_key(suffix, arch); };

    HEARTH_ASSIGN_OR_RETURN(hp.n_ctx_train, get_dim(file, key(keys::kContextLength), int64_t{1} << 24));
    HEARTH_ASSIGN_OR_RETURN(hp.n_embd, get_dim(file, key(keys::kEmbeddingLength), kMaxEmbd));
    HEARTH_ASSIGN_OR_RETURN(hp.n_layer, get_dim(file, key(keys::kBlockCount), kMaxLayers));
    HEARTH_ASSIGN_OR_RETURN(hp.n_head, get_dim(file, key(keys::kHeadCount), kMaxHeads));
    HEARTH_ASSIGN_OR_RETURN(hp.n_head_kv, get_dim(file, key(keys::kHeadCountKv), kMaxHeads, hp.n_head));
    HEARTH_ASSIGN_OR_RETURN(hp.n_ff, get_dim(file, key(keys::kFeedForwardLength), int64_t{1} << 20));
    if (hp.n_head % hp.n_head_kv != 0)
        return Error::make(Errc::kCorrupt, "{} query heads cannot be grouped over {} key/value heads",
                           hp.n_head, hp.n_head_kv);
    const int64_t default_head_dim = hp.n_embd % hp.n_head == 0 ? hp.n_embd / hp.n_head : 0;
    HEARTH_ASSIGN_OR_RETURN(hp.head_dim, get_dim(file, key(keys::kKeyLength), kMaxHeadDim, default_head_dim));
    HEARTH_ASSIGN_OR_RETURN(hp.head_dim_v, get_dim(file, key(keys::kValueLength), kMaxHeadDim, hp.head_dim));
    if (hp.head_dim != hp.head_dim_v)
        return Error::make(Errc::kUnsupported, "key head size {} differs from value head size {}; not supported",
                           hp.head_dim, hp.head_dim_v);
    if (hp.head_dim % 2 != 0)
        return Error::make(Errc::kUnsupported, "head size {} is odd; not supported", hp.head_dim);

    HEARTH_ASSIGN_OR_RETURN(hp.rms_eps, get_positive_float(file, key(keys::kRmsEps), 1e-5f));
    if (hp.rms_eps > 1.0f)
        return Error::make(Errc::kCorrupt, "RMSNorm epsilon {} is implausible", hp.rms_eps);

    // RoPE.
    HEARTH_ASSIGN_OR_RETURN(hp.rope_dims, get_dim(file, key(keys::kRopeDimensionCount), hp.head_dim, hp.head_dim));
    if (hp.rope_dims % 2 != 0)
        return Error::make(Errc::kCorrupt, "rope dimension count {} is odd", hp.rope_dims);
    HEARTH_ASSIGN_OR_RETURN(hp.rope_freq_base, get_positive_float(file, key(keys::kRopeFreqBase), 10000.0f));
    std::string scaling = "linear";
    if (file.find(key(keys::kRopeScalingType))) {
        HEARTH_ASSIGN_OR_RETURN(std::string_view text, file.get_string(key(keys::kRopeScalingType)));
        scaling = text;
    }
    float factor = 0.0f;
    if (file.find(key(keys::kRopeScalingFactor))) {
        HEARTH_ASSIGN_OR_RETURN(factor, get_positive_float(file, key(keys::kRopeScalingFactor), 1.0f));
    } else if (file.find(key(keys::kRopeScaleLinear))) {
        HEARTH_ASSIGN_OR_RETURN(factor, get_positive_float(file, key(keys::kRopeScaleLinear), 1.0f));
    }
    if (scaling == "none") {
        hp.rope_scaling = RopeScaling::kNone;
    } else if (scaling == "linear") {
        hp.rope_scaling = RopeScaling::kLinear;
        hp.rope_freq_scale = factor > 0.0f ? 1.0f / factor : 1.0f;
    } else if (scaling == "yarn") {
        hp.rope_scaling = RopeScaling::kYarn;
        hp.rope_freq_scale = factor > 0.0f ? 1.0f / factor : 1.0f;
        hp.rope_ext_factor = 1.0f;
    } else {
        return Error::make(Errc::kUnsupported, "rope scaling '{}' is not supported (none, linear, yarn)", scaling);
    }
    HEARTH_ASSIGN_OR_RETURN(hp.rope_attn_factor, get_positive_float(file, key(keys::kRopeScalingAttnFactor), 1.0f));
    HEARTH_ASSIGN_OR_RETURN(hp.rope_n_ctx_orig,
                            get_dim(file, key(keys::kRopeScalingOrigCtx), int64_t{1} << 24, hp.n_ctx_train));

    // The vocabulary size is the token embedding's row count.
    const gguf::TensorInfo* embd = file.find_tensor(keys::kTokenEmbd);
    if (!embd) return Error::make(Errc::kCorrupt, "tensor '{}' is missing", keys::kTokenEmbd);
    if (embd->n_dims != 2 || embd->ne[0] != hp.n_embd)
        return Error::make(Errc::kCorrupt, "tensor '{}' has shape {}, expected [{}, n_vocab]", keys::kTokenEmbd,
                           embd->shape_string(), hp.n_embd);
    hp.n_vocab = embd->ne[1];
    if (hp.n_vocab < 1 || hp.n_vocab > kMaxVocab)
        return Error::make(Errc::kCorrupt, "vocabulary of {} tokens is outside 1..{}", hp.n_vocab, kMaxVocab);
    return hp;
}

}  // namespace hearth::arch
