// Run-time dispatch for kernels/ops.h: one table per ISA, chosen by level and capped at what the
// CPU can run.
#include "kernels/ops.h"

#include "kernels/cpu/ops_variants.h"

namespace hearth::kernels {

const OpsTable& ops(IsaLevel isa) {
    const IsaLevel cpu_level = detected_isa();
    switch (isa < cpu_level ? isa : cpu_level) {
        case IsaLevel::kAvx512:
            return ops_table_avx512();
        case IsaLevel::kAvx2:
            return ops_table_avx2();
        case IsaLevel::kScalar:
            break;
    }
    return ops_table_ref();
}

}  // namespace hearth::kernels
