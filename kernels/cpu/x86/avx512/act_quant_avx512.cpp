// The prepare functions of the AVX-512 kernels: the shared x86 code (act_quant_x86.h) compiled
// with this unit's instruction-set flags.
#include "kernels/cpu/x86/act_quant_x86.h"
#include "kernels/cpu/x86/matmul_x86.h"

namespace hearth::kernels::cpu::avx512 {

void prepare_bf16(const float* x, void* xq, int64_t k) {
    x86::prepare_bf16_x86(x, xq, k);
}
void prepare_q8x32(const float* x, void* xq, int64_t k) {
    x86::prepare_q8x32_x86(x, xq, k);
}
void prepare_q8x256(const float* x, void* xq, int64_t k) {
    x86::prepare_q8x256_x86(x, xq, k);
}

}  // namespace hearth::kernels::cpu::avx512
