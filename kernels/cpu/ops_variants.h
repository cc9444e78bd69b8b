// The per-ISA tables behind kernels::ops() (kernels/ops.cpp). Internal to the kernels layer: code
// above it calls ops(isa), which never hands out a table the CPU cannot run.
#pragma once

#include "kernels/ops.h"

namespace hearth::kernels {

const OpsTable& ops_table_ref();     // kernels/cpu/ref/ops_ref.cpp
const OpsTable& ops_table_avx2();    // kernels/cpu/x86/avx2/ops_avx2.cpp
const OpsTable& ops_table_avx512();  // kernels/cpu/x86/avx512/ops_avx512.cpp

}  // namespace hearth::kernels
