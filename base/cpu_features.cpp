#include "base/cpu_features.h"

#include <cpuid.h>

#include <cstdlib>
#include <cstring>
#include <thread>

namespace hearth {
namespace {

void cpuid(unsigned leaf, unsigned subleaf, unsigned regs[4]) {
    __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
}

unsigned long long xgetbv0() {
    unsigned eax = 0, edx = 0;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (static_cast<unsigned long long>(edx) << 32) | eax;
}

CpuFeatures detect() {
    CpuFeatures f;
    unsigned r[4] = {};
    cpuid(0, 0, r);
    const unsigned max_leaf = r[0];
    cpuid(1, 0, r);
    f.sse3 = r[2] & (1u << 0);
    f.ssse3 = r[2] & (1u << 9);
    f.fma = r[2] & (1u << 12);
    const bool osxsave = r[2] & (1u << 27);
    f.avx = r[2] & (1u << 28);
    f.f16c = r[2] & (1u << 29);

    // The OS must save the YMM (bits 1,2) and ZMM/opmask (bits 5,6,7) state.
    const unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    const bool os_avx = (xcr0 & 0x6) == 0x6;
    const bool os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
    f.avx = f.avx && os_avx;
    f.fma = f.fma && os_avx;
    f.f16c = f.f16c && os_avx;

    if (max_leaf >= 7) {
        cpuid(7, 0, r);
        f.avx2 = os_avx && (r[1] & (1u << 5));
        f.bmi2 = r[1] & (1u << 8);
        f.avx512f = os_avx512 && (r[1] & (1u << 16));
        f.avx512dq = os_avx512 && (r[1] & (1u << 17));
        f.avx512bw = os_avx512 && (r[1] & (1u << 30));
        f.avx512vl = os_avx512 && (r[1] & (1u << 31));
        f.avx512vnni = os_avx512 && (r[2] & (1u << 11));
        cpuid(7, 1, r);
        f.avxvnni = os_avx && (r[0] & (1u << 4));
        f.avx512bf16 = os_avx512 && (r[0] & (1u << 5));
    }

    unsigned brand[12] = {};
    cpuid(0x80000000u, 0, r);
    if (r[0] >= 0x80000004u) {
        for (unsigned leaf = 0; leaf < 3; ++leaf) cpuid(0x80000002u + leaf, 0, brand + 4 * leaf);
        char text[49] = {};
        std::memcpy(text, brand, 48);
        f.brand = text;
        while (!f.brand.empty() && f.brand.back() == ' ') f.brand.pop_back();
    }
    f.n_logical_cores = static_cast<int>(std::thread::hardware_concurrency());
    if (f.n_logical_cores <= 0) f.n_logical_cores = 1;
    return f;
}

}  // namespace

std::string CpuFeatures::describe() const {
    std::string out;
    auto add = [&](bool on, const char* name) {
        if (!on) return;
        if (!out.empty()) out += ' ';
        out += name;
    };
    add(avx, "AVX");
    add(avx2, "AVX2");
    add(fma, "FMA");
    add(f16c, "F16C");
    add(avxvnni, "AVX_VNNI");
    add(avx512f, "AVX512F");
    add(avx512bw, "AVX512BW");
    add(avx512vl, "AVX512VL");
    add(avx512dq, "AVX512DQ");
    add(avx512vnni, "AVX512_VNNI");
    add(avx512bf16, "AVX512_BF16");
    return out.empty() ? "none" : out;
}

const CpuFeatures& cpu_features() {
    static const CpuFeatures features = detect();
    return features;
}

const char* isa_name(IsaLevel level) {
    switch (level) {
        case IsaLevel::kScalar: return "scalar";
        case IsaLevel::kAvx2: return "avx2";
        case IsaLevel::kAvx512: return "avx512";
    }
    return "scalar";
}

bool parse_isa(const std::string& name, IsaLevel* out) {
    if (name == "scalar") *out = IsaLevel::kScalar;
    else if (name == "avx2") *out = IsaLevel::kAvx2;
    else if (name == "avx512") *out = IsaLevel::kAvx512;
    else return false;
    return true;
}

IsaLevel detected_isa() {
    const CpuFeatures& f = cpu_features();
    if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni && f.avx2 && f.fma &&
        f.f16c)
        return IsaLevel::kAvx512;
    if (f.avx2 && f.fma && f.f16c) return IsaLevel::kAvx2;
    return IsaLevel::kScalar;
}

IsaLevel active_isa() {
    static const IsaLevel level = [] {
        IsaLevel detected = detected_isa();
        const char* env = std::getenv("HEARTH_ISA");
        IsaLevel requested;
        if (env && parse_isa(env, &requested) && requested < detected) return requested;
        return detected;
    }();
    return level;
}

}  // namespace hearth
