// The per-ISA attention entry points behind kernels::attention_kernel() (kernels/attention.cpp).
// Internal to the kernels layer. The SIMD entry points hand head dims they do not cover
// (AVX2: head_dim % 8 != 0, AVX-512: head_dim % 16 != 0) to attention_ref.
#pragma once

#include "kernels/attention.h"

namespace hearth::kernels {

void attention_ref(const AttentionArgs& args);     // kernels/cpu/ref/attention_ref.cpp
void attention_avx2(const AttentionArgs& args);    // kernels/cpu/x86/avx2/attention_avx2.cpp
void attention_avx512(const AttentionArgs& args);  // kernels/cpu/x86/avx512/attention_avx512.cpp

}  // namespace hearth::kernels
