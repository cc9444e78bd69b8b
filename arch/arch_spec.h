// What distinguishes one decoder-only transformer architecture from another, as data.
//
// Every architecture Hearth runs is a table entry (arch/arch_table.cpp) defined in its own file
// under arch/llm/. The engine's forward pass reads these flags; it has no per-architecture
// branches. Adding an architecture: write arch/llm/<name>.cpp with its ArchSpec, list it in
// arch_table.cpp, and add a golden test (tests/model/) against the NumPy reference.
#pragma once

#include <span>
#include <string_view>

#include "kernels/rope.h"

namespace hearth::arch {

enum class FfnKind { kSwiGlu, kGeGlu };

struct ArchSpec {
    std::string_view name;          // general.architecture
    std::string_view description;   // for `hearth info` and /api/show
    kernels::RopeMode rope_mode;    // adjacent pairs (llama's permuted Q/K) or NeoX halves
    bool qkv_bias;                  // attn_{q,k,v}.bias present (required)
    bool qk_norm;                   // per-head RMSNorm of q and k before RoPE (attn_{q,k}_norm)
    FfnKind ffn;
};

// nullptr when the architecture is unknown.
const ArchSpec* find_arch(std::string_view name);
std::span<const ArchSpec* const> all_archs();

}  // namespace hearth::arch
