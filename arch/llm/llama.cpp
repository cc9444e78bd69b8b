// llama: Llama 1/2/3/3.x, TinyLlama, Mistral-style models (Mistral GGUFs use this architecture
// name). Pre-norm decoder, RMSNorm, SwiGLU FFN, grouped-query attention, no biases. GGUF stores
// Q and K permuted so that RoPE rotates adjacent pairs. Llama 3.1+ carries per-pair frequency
// divisors in rope_freqs.weight (handled by the loader for every architecture).
#include "arch/arch_spec.h"

namespace hearth::arch {

extern const ArchSpec kArchLlama = {
    .name = "llama",
    .description = "LLaMA-family decoder (Llama 2/3, TinyLlama, Mistral)",
    .rope_mode = kernels::RopeMode::kNormal,
    .qkv_bias = false,
    .qk_norm = false,
    .ffn = FfnKind::kSwiGlu,
};

}  // namespace hearth::arch
