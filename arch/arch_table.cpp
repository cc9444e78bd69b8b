// The table of architectures. One line per architecture; its definition lives in arch/llm/.
#include <array>

#include "arch/arch_spec.h"

namespace hearth::arch {

extern const ArchSpec kArchLlama;
extern const ArchSpec kArchQwen2;
extern const ArchSpec kArchQwen3;

namespace {
const std::array<const ArchSpec*, 3> kArchs = {&kArchLlama, &kArchQwen2, &kArchQwen3};
}  // namespace

const ArchSpec* find_arch(std::string_view name) {
    for (const ArchSpec* spec : kArchs)
        if (spec->name == name) return spec;
    return nullptr;
}

std::span<const ArchSpec* const> all_archs() { return kArchs; }

}  // namespace hearth::arch
