// IEEE binary16 and bfloat16 <-> float, exact and portable (the scalar reference; SIMD kernels
// use F16C / AVX-512 conversions, which give identical results for finite values).
#pragma once

#include <cstdint>
#include <cstring>

namespace hearth {

inline float bits_to_float(uint32_t bits) {
    float value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
}

inline uint32_t float_to_bits(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    return bits;
}

inline float fp16_to_fp32(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0) {
        if (mantissa == 0) return bits_to_float(sign);
        // Subnormal: normalise.
        int shift = 0;
        while ((mantissa & 0x400u) == 0) {
            mantissa <<= 1;
            ++shift;
        }
        mantissa &= 0x3ffu;
        return bits_to_float(sign | static_cast<uint32_t>(127 - 15 - shift + 1) << 23 | mantissa << 13);
    }
    if (exponent == 0x1f) return bits_to_float(sign | 0x7f800000u | mantissa << 13);  // inf / nan
    return bits_to_float(sign | (exponent + 127 - 15) << 23 | mantissa << 13);
}

// Round to nearest even, overflow to infinity, NaN kept NaN.
inline uint16_t fp32_to_fp16(float value) {
    const uint32_t bits = float_to_bits(value);
    const uint32_t sign = (bits >> 16) & 0x8000u;
    const uint32_t abs_bits = bits & 0x7fffffffu;
    if (abs_bits > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);  // NaN
    if (abs_bits >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520: inf
    if (abs_bits < 0x38800000u) {
        // Result is subnormal or zero: value / 2^-24 rounded to nearest even.
        if (abs_bits < 0x33000000u) return static_cast<uint16_t>(sign);  // < 2^-25: zero
        // value = mantissa * 2^(exponent - 150) and the subnormal unit is 2^-24, so the half's
        // mantissa is mantissa >> (126 - exponent), rounded to nearest even (shift is 14..24).
        const uint32_t exponent = abs_bits >> 23;
        const uint32_t mantissa = (abs_bits & 0x7fffffu) | 0x800000u;
        const uint32_t shift = 126 - exponent;
        const uint32_t q = mantissa >> shift;
        const uint32_t remainder = mantissa & ((1u << shift) - 1);
        const uint32_t half = 1u << (shift - 1);
        uint32_t rounded = q;
        if (remainder > half || (remainder == half && (q & 1u))) ++rounded;
        return static_cast<uint16_t>(sign | rounded);
    }
    // Normal: rebias exponent, round mantissa from 23 to 10 bits (nearest even).
    const uint32_t rounded = abs_bits + 0xfffu + ((abs_bits >> 13) & 1u);
    return static_cast<uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

inline float bf16_to_fp32(uint16_t h) { return bits_to_float(static_cast<uint32_t>(h) << 16); }

// Round to nearest even; NaN stays a (quiet) NaN.
inline uint16_t fp32_to_bf16(float value) {
    const uint32_t bits = float_to_bits(value);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);
    return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

}  // namespace hearth
