// Reference kernels for float weights: F32 and F16 against float activations, BF16 against bf16
// activations (both rounded values are exact in float, so each product is exact).
#include "kernels/cpu/ref/matmul_ref.h"
#include "tensor/half.h"

namespace hearth::kernels::cpu::ref {

void matmul_f32(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        float sum = 0.0f;
        for (int64_t elem_idx = 0; elem_idx < k; ++elem_idx)
            sum += load_f32(w_row + 4 * elem_idx) * load_f32(x_row + 4 * elem_idx);
        return sum;
    });
}

void matmul_f16(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        float sum = 0.0f;
        for (int64_t elem_idx = 0; elem_idx < k; ++elem_idx)
            sum += fp16_to_fp32(load_u16(w_row + 2 * elem_idx)) * load_f32(x_row + 4 * elem_idx);
        return sum;
    });
}

void matmul_bf16(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        float sum = 0.0f;
        for (int64_t elem_idx = 0; elem_idx < k; ++elem_idx)
            sum += bf16_to_fp32(load_u16(w_row + 2 * elem_idx)) *
                   bf16_to_fp32(load_u16(x_row + 2 * elem_idx));
        return sum;
    });
}

}  // namespace hearth::kernels::cpu::ref
