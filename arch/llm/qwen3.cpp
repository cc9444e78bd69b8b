// qwen3: Qwen3 dense models. No projection biases; instead each head of q and k is RMS-normalised
// (attn_q_norm / attn_k_norm, head_dim weights) before NeoX-style RoPE. Its head_dim is often not
// n_embd / n_head: it comes from attention.key_length.
#include "arch/arch_spec.h"

namespace hearth::arch {

extern const ArchSpec kArchQwen3 = {
    .name = "qwen3",
    .description = "Qwen3 decoder (per-head q/k RMSNorm, NeoX RoPE)",
    .rope_mode = kernels::RopeMode::kNeox,
    .qkv_bias = false,
    .qk_norm = true,
    .ffn = FfnKind::kSwiGlu,
};

}  // namespace hearth::arch
