// Every GGUF metadata key and tensor-name template Hearth reads or writes, in one place.
// Architecture keys are templates on the architecture name: arch_key(kContextLength, "llama")
// gives "llama.context_length". Tensor names use the block index: tensor_name(kAttnQ, 3) gives
// "blk.3.attn_q.weight".
#pragma once

#include <string>
#include <string_view>

namespace hearth::gguf::keys {

// general.*
inline constexpr std::string_view kArchitecture = "general.architecture";
inline constexpr std::string_view kName = "general.name";
inline constexpr std::string_view kFileType = "general.file_type";
inline constexpr std::string_view kQuantizationVersion = "general.quantization_version";
inline constexpr std::string_view kAlignment = "general.alignment";
inline constexpr std::string_view kLicense = "general.license";
inline constexpr std::string_view kDescription = "general.description";

// <arch>.* (use arch_key)
inline constexpr std::string_view kVocabSize = "vocab_size";
inline constexpr std::string_view kContextLength = "context_length";
inline constexpr std::string_view kEmbeddingLength = "embedding_length";
inline constexpr std::string_view kBlockCount = "block_count";
inline constexpr std::string_view kFeedForwardLength = "feed_forward_length";
inline constexpr std::string_view kHeadCount = "attention.head_count";
inline constexpr std::string_view kHeadCountKv = "attention.head_count_kv";
inline constexpr std::string_view kKeyLength = "attention.key_length";
inline constexpr std::string_view kValueLength = "attention.value_length";
inline constexpr std::string_view kRmsEps = "attention.layer_norm_rms_epsilon";
inline constexpr std::string_view kRopeDimensionCount = "rope.dimension_count";
inline constexpr std::string_view kRopeFreqBase = "rope.freq_base";
inline constexpr std::string_view kRopeScaleLinear = "rope.scale_linear";
inline constexpr std::string_view kRopeScalingType = "rope.scaling.type";
inline constexpr std::string_view kRopeScalingFactor = "rope.scaling.factor";
inline constexpr std::string_view kRopeScalingAttnFactor = "rope.scaling.attn_factor";
inline constexpr std::string_view kRopeScalingOrigCtx = "rope.scaling.original_context_length";
inline constexpr std::string_view kRopeScalingYarnLogMul = "rope.scaling.yarn_log_multiplier";

inline std::string arch_key(std::string_view suffix, std::string_view arch) {
    std::string key(arch);
    key += '.';
    key += suffix;
    return key;
}

// tokenizer.*
inline constexpr std::string_view kTokenizerModel = "tokenizer.ggml.model";
inline constexpr std::string_view kTokenizerPre = "tokenizer.ggml.pre";
inline constexpr std::string_view kTokenizerTokens = "tokenizer.ggml.tokens";
inline constexpr std::string_view kTokenizerTokenType = "tokenizer.ggml.token_type";
inline constexpr std::string_view kTokenizerScores = "tokenizer.ggml.scores";
inline constexpr std::string_view kTokenizerMerges = "tokenizer.ggml.merges";
inline constexpr std::string_view kTokenizerBosId = "tokenizer.ggml.bos_token_id";
inline constexpr std::string_view kTokenizerEosId = "tokenizer.ggml.eos_token_id";
inline constexpr std::string_view kTokenizerEotId = "tokenizer.ggml.eot_token_id";
inline constexpr std::string_view kTokenizerEomId = "tokenizer.ggml.eom_token_id";
inline constexpr std::string_view kTokenizerUnkId = "tokenizer.ggml.unknown_token_id";
inline constexpr std::string_view kTokenizerSepId = "tokenizer.ggml.seperator_token_id";  // sic
inline constexpr std::string_view kTokenizerPadId = "tokenizer.ggml.padding_token_id";
inline constexpr std::string_view kTokenizerAddBos = "tokenizer.ggml.add_bos_token";
inline constexpr std::string_view kTokenizerAddEos = "tokenizer.ggml.add_eos_token";
inline constexpr std::string_view kTokenizerAddSpacePrefix = "tokenizer.ggml.add_space_prefix";
inline constexpr std::string_view kTokenizerRemoveExtraWs = "tokenizer.ggml.remove_extra_whitespaces";
inline constexpr std::string_view kChatTemplate = "tokenizer.chat_template";

// Tensor names. Block tensors are templates on the block index (tensor_name).
inline constexpr std::string_view kTokenEmbd = "token_embd.weight";
inline constexpr std::string_view kOutputNorm = "output_norm.weight";
inline constexpr std::string_view kOutput = "output.weight";
inline constexpr std::string_view kRopeFreqs = "rope_freqs.weight";
inline constexpr std::string_view kAttnNorm = "attn_norm.weight";
inline constexpr std::string_view kAttnQ = "attn_q.weight";
inline constexpr std::string_view kAttnK = "attn_k.weight";
inline constexpr std::string_view kAttnV = "attn_v.weight";
inline constexpr std::string_view kAttnQBias = "attn_q.bias";
inline constexpr std::string_view kAttnKBias = "attn_k.bias";
inline constexpr std::string_view kAttnVBias = "attn_v.bias";
inline constexpr std::string_view kAttnQNorm = "attn_q_norm.weight";
inline constexpr std::string_view kAttnKNorm = "attn_k_norm.weight";
inline constexpr std::string_view kAttnOutput = "attn_output.weight";
inline constexpr std::string_view kFfnNorm = "ffn_norm.weight";
inline constexpr std::string_view kFfnGate = "ffn_gate.weight";
inline constexpr std::string_view kFfnUp = "ffn_up.weight";
inline constexpr std::string_view kFfnDown = "ffn_down.weight";

inline std::string tensor_name(std::string_view suffix, int block_idx) {
    return "blk." + std::to_string(block_idx) + "." + std::string(suffix);
}

}  // namespace hearth::gguf::keys
