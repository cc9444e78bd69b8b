// Run-time dispatch and scratch sizing for kernels/attention.h. The loop structure lives in
// kernels/cpu/attention_driver.h, the per-ISA row kernels under kernels/cpu/.
#include "kernels/attention.h"

#include "kernels/cpu/attention_driver.h"
#include "kernels/cpu/attention_variants.h"

namespace hearth::kernels {

int64_t attention_scratch_floats(int n_q, int n_head, int n_head_kv, int head_dim, int block_size) {
    return attention_scratch_layout(n_q, n_head / n_head_kv, head_dim, block_size).total;
}

const AttentionKernel& attention_kernel(IsaLevel isa) {
    static constexpr AttentionKernel kRef{IsaLevel::kScalar, &attention_ref};
    static constexpr AttentionKernel kAvx2{IsaLevel::kAvx2, &attention_avx2};
    static constexpr AttentionKernel kAvx512{IsaLevel::kAvx512, &attention_avx512};
    const IsaLevel cpu_level = detected_isa();
    switch (isa < cpu_level ? isa : cpu_level) {
        case IsaLevel::kAvx512:
            return kAvx512;
        case IsaLevel::kAvx2:
            return kAvx2;
        case IsaLevel::kScalar:
            break;
    }
    return kRef;
}

}  // namespace hearth::kernels
