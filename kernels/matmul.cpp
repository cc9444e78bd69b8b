// The matmul kernel registry: one table row per (weight type, instruction set), reference first.
#include "kernels/matmul.h"

#include "kernels/cpu/ref/matmul_ref.h"
#include "kernels/cpu/x86/matmul_x86.h"

namespace hearth::kernels {
namespace {

namespace ref = cpu::ref;
namespace avx2 = cpu::avx2;
namespace avx512 = cpu::avx512;

// An activation format as one ISA writes it: its size and its prepare function.
struct ActFormat {
    int64_t (*act_row_bytes)(int64_t k);
    void (*prepare)(const float* x, void* xq, int64_t k);
};

constexpr ActFormat kFloatRef{ref::act_row_bytes_f32, ref::prepare_f32};  // a copy on every ISA
constexpr ActFormat kBf16Ref{ref::act_row_bytes_bf16, ref::prepare_bf16};
constexpr ActFormat kBf16Avx2{ref::act_row_bytes_bf16, avx2::prepare_bf16};
constexpr ActFormat kBf16Avx512{ref::act_row_bytes_bf16, avx512::prepare_bf16};
constexpr ActFormat kQ8x32Ref{ref::act_row_bytes_q8x32, ref::prepare_q8x32};
constexpr ActFormat kQ8x32Avx2{ref::act_row_bytes_q8x32, avx2::prepare_q8x32};
constexpr ActFormat kQ8x32Avx512{ref::act_row_bytes_q8x32, avx512::prepare_q8x32};
constexpr ActFormat kQ8x256Ref{ref::act_row_bytes_q8x256, ref::prepare_q8x256};
constexpr ActFormat kQ8x256Avx2{ref::act_row_bytes_q8x256, avx2::prepare_q8x256};
constexpr ActFormat kQ8x256Avx512{ref::act_row_bytes_q8x256, avx512::prepare_q8x256};

constexpr MatmulKernel entry(DType type, IsaLevel isa, ActFormat format,
                             void (*matmul)(const MatmulArgs&)) {
    return {type, isa, format.act_row_bytes, format.prepare, matmul};
}

constexpr IsaLevel kScalar = IsaLevel::kScalar;
constexpr IsaLevel kAvx2 = IsaLevel::kAvx2;
constexpr IsaLevel kAvx512 = IsaLevel::kAvx512;

// Sorted by weight type, then by instruction set (lowest first); every instruction set of a
// weight type writes the same activation format.
// clang-format off
constexpr MatmulKernel kKernels[] = {
    entry(DType::kF32,  kScalar, kFloatRef,     ref::matmul_f32),
    entry(DType::kF32,  kAvx2,   kFloatRef,     avx2::matmul_f32),
    entry(DType::kF32,  kAvx512, kFloatRef,     avx512::matmul_f32),
    entry(DType::kF16,  kScalar, kFloatRef,     ref::matmul_f16),
    entry(DType::kF16,  kAvx2,   kFloatRef,     avx2::matmul_f16),
    entry(DType::kF16,  kAvx512, kFloatRef,     avx512::matmul_f16),
    entry(DType::kBF16, kScalar, kBf16Ref,      ref::matmul_bf16),
    entry(DType::kBF16, kAvx2,   kBf16Avx2,     avx2::matmul_bf16),
    entry(DType::kBF16, kAvx512, kBf16Avx512,   avx512::matmul_bf16),
    entry(DType::kQ4_0, kScalar, kQ8x32Ref,     ref::matmul_q4_0),
    entry(DType::kQ4_0, kAvx2,   kQ8x32Avx2,    avx2::matmul_q4_0),
    entry(DType::kQ4_0, kAvx512, kQ8x32Avx512,  avx512::matmul_q4_0),
    entry(DType::kQ4_1, kScalar, kQ8x32Ref,     ref::matmul_q4_1),
    entry(DType::kQ4_1, kAvx2,   kQ8x32Avx2,    avx2::matmul_q4_1),
    entry(DType::kQ4_1, kAvx512, kQ8x32Avx512,  avx512::matmul_q4_1),
    entry(DType::kQ5_0, kScalar, kQ8x32Ref,     ref::matmul_q5_0),
    entry(DType::kQ5_0, kAvx2,   kQ8x32Avx2,    avx2::matmul_q5_0),
    entry(DType::kQ5_0, kAvx512, kQ8x32Avx512,  avx512::matmul_q5_0),
    entry(DType::kQ5_1, kScalar, kQ8x32Ref,     ref::matmul_q5_1),
    entry(DType::kQ5_1, kAvx2,   kQ8x32Avx2,    avx2::matmul_q5_1),
    entry(DType::kQ5_1, kAvx512, kQ8x32Avx512,  avx512::matmul_q5_1),
    entry(DType::kQ8_0, kScalar, kQ8x32Ref,     ref::matmul_q8_0),
    entry(DType::kQ8_0, kAvx2,   kQ8x32Avx2,    avx2::matmul_q8_0),
    entry(DType::kQ8_0, kAvx512, kQ8x32Avx512,  avx512::matmul_q8_0),
    entry(DType::kQ2_K, kScalar, kQ8x256Ref,    ref::matmul_q2_k),
    entry(DType::kQ2_K, kAvx2,   kQ8x256Avx2,   avx2::matmul_q2_k),
    entry(DType::kQ2_K, kAvx512, kQ8x256Avx512, avx512::matmul_q2_k),
    entry(DType::kQ3_K, kScalar, kQ8x256Ref,    ref::matmul_q3_k),
    entry(DType::kQ3_K, kAvx2,   kQ8x256Avx2,   avx2::matmul_q3_k),
    entry(DType::kQ3_K, kAvx512, kQ8x256Avx512, avx512::matmul_q3_k),
    entry(DType::kQ4_K, kScalar, kQ8x256Ref,    ref::matmul_q4_k),
    entry(DType::kQ4_K, kAvx2,   kQ8x256Avx2,   avx2::matmul_q4_k),
    entry(DType::kQ4_K, kAvx512, kQ8x256Avx512, avx512::matmul_q4_k),
    entry(DType::kQ5_K, kScalar, kQ8x256Ref,    ref::matmul_q5_k),
    entry(DType::kQ5_K, kAvx2,   kQ8x256Avx2,   avx2::matmul_q5_k),
    entry(DType::kQ5_K, kAvx512, kQ8x256Avx512, avx512::matmul_q5_k),
    entry(DType::kQ6_K, kScalar, kQ8x256Ref,    ref::matmul_q6_k),
    entry(DType::kQ6_K, kAvx2,   kQ8x256Avx2,   avx2::matmul_q6_k),
    entry(DType::kQ6_K, kAvx512, kQ8x256Avx512, avx512::matmul_q6_k),
};
// clang-format on

// Whether this CPU can run `kernel`: its instruction set is detected, and the AVX-512 BF16
// kernel (vdpbf16ps) also needs AVX512_BF16, which IsaLevel::kAvx512 does not imply.
bool runnable(const MatmulKernel& kernel) {
    if (kernel.isa > detected_isa()) return false;
    if (kernel.weight_type == DType::kBF16 && kernel.isa == IsaLevel::kAvx512)
        return cpu_features().avx512bf16;
    return true;
}

}  // namespace

const MatmulKernel* find_matmul_kernel(DType weight_type, IsaLevel isa) {
    const MatmulKernel* best = nullptr;
    for (const MatmulKernel& kernel : kKernels) {
        if (kernel.weight_type == weight_type && kernel.isa <= isa && runnable(kernel))
            best = &kernel;
    }
    return best;
}

std::vector<const MatmulKernel*> all_matmul_kernels(DType weight_type) {
    std::vector<const MatmulKernel*> kernels;
    for (const MatmulKernel& kernel : kKernels) {
        if (kernel.weight_type == weight_type && runnable(kernel)) kernels.push_back(&kernel);
    }
    return kernels;
}

}  // namespace hearth::kernels
