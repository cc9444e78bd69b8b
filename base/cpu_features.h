// CPU feature detection (cpuid + xgetbv) and the instruction-set level kernels dispatch on.
// HEARTH_ISA=scalar|avx2|avx512 in the environment caps the level (tests and benchmarks use it to
// exercise every path on one machine); it can never raise the level above what the CPU has.
#pragma once

#include <string>

namespace hearth {

struct CpuFeatures {
    bool sse3 = false, ssse3 = false, fma = false, f16c = false;
    bool avx = false, avx2 = false, bmi2 = false;
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
    bool avx512vnni = false, avx512bf16 = false, avxvnni = false;
    int n_logical_cores = 1;
    std::string brand;

    std::string describe() const;  // "AVX2 FMA F16C AVX512F ..."
};

// Detected once, then cached. Thread-safe.
const CpuFeatures& cpu_features();

enum class IsaLevel { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

const char* isa_name(IsaLevel level);
// The best level this CPU supports: AVX2 needs AVX2+FMA+F16C; AVX-512 needs F+BW+VL+DQ+VNNI.
IsaLevel detected_isa();
// detected_isa() capped by HEARTH_ISA. Read once, then cached.
IsaLevel active_isa();
// Parses "scalar", "avx2", "avx512"; returns false for other names.
bool parse_isa(const std::string& name, IsaLevel* out);

}  // namespace hearth
