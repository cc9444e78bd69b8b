// qwen2: Qwen2 / Qwen2.5. A llama-style decoder with biases on the Q, K and V projections and
// NeoX-style RoPE (rotating the two halves of each head).
#include "arch/arch_spec.h"

namespace hearth::arch {

extern const ArchSpec kArchQwen2 = {
    .name = "qwen2",
    .description = "Qwen2 decoder (attention biases, NeoX RoPE)",
    .rope_mode = kernels::RopeMode::kNeox,
    .qkv_bias = true,
    .qk_norm = false,
    .ffn = FfnKind::kSwiGlu,
};

}  // namespace hearth::arch
