#include "tests/kernels_matmul/matmul_test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "tensor/half.h"

namespace hearth::kernels::test {
namespace {

void store_u16(uint8_t* bytes, uint16_t value) {
    std::memcpy(bytes, &value, sizeof(value));
}

}  // namespace

std::vector<int64_t> half_offsets(DType type) {
    switch (type) {
        case DType::kQ4_0:
            return {0};
        case DType::kQ4_1:
            return {0, 2};
        case DType::kQ5_0:
            return {0};
        case DType::kQ5_1:
            return {0, 2};
        case DType::kQ8_0:
            return {0};
        case DType::kQ2_K:
            return {80, 82};
        case DType::kQ3_K:
            return {108};
        case DType::kQ4_K:
            return {0, 2};
        case DType::kQ5_K:
            return {0, 2};
        case DType::kQ6_K:
            return {208};
        default:
            return {};
    }
}

const std::vector<DType>& matmul_types() {
    static const std::vector<DType> types = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0,
                                             DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0,
                                             DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K,
                                             DType::kQ6_K};
    return types;
}

int64_t block_elems(DType type) {
    return dtype_info(type).block_size;
}

std::vector<float> random_floats(int64_t n, std::mt19937& rng) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> values(static_cast<size_t>(n));
    for (float& value : values) value = normal(rng);
    return values;
}

std::vector<uint8_t> random_weights(DType type, int64_t n_rows, int64_t k, std::mt19937& rng) {
    const int64_t n = n_rows * k;
    std::vector<uint8_t> bytes(static_cast<size_t>(n_rows * row_bytes_unchecked(type, k)));
    if (type == DType::kF32) {
        const std::vector<float> values = random_floats(n, rng);
        std::memcpy(bytes.data(), values.data(), bytes.size());
        return bytes;
    }
    if (type == DType::kF16 || type == DType::kBF16) {
        const std::vector<float> values = random_floats(n, rng);
        for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
            const float value = values[static_cast<size_t>(elem_idx)];
            store_u16(bytes.data() + 2 * elem_idx,
                      type == DType::kF16 ? fp32_to_fp16(value) : fp32_to_bf16(value));
        }
        return bytes;
    }
    std::uniform_int_distribution<int> byte(0, 255);
    for (uint8_t& value : bytes) value = static_cast<uint8_t>(byte(rng));
    std::uniform_real_distribution<float> magnitude(0.002f, 0.02f);
    std::bernoulli_distribution negative(0.5);
    const int64_t block_bytes = dtype_info(type).block_bytes;
    for (size_t block_start = 0; block_start < bytes.size();
         block_start += static_cast<size_t>(block_bytes)) {
        for (int64_t offset : half_offsets(type)) {
            const float value = magnitude(rng) * (negative(rng) ? -1.0f : 1.0f);
            store_u16(bytes.data() + block_start + offset, fp32_to_fp16(value));
        }
    }
    return bytes;
}

Problem make_problem(DType type, int64_t n_rows, int64_t k, int64_t n_tokens, int64_t row_begin,
                     int64_t row_end, int64_t y_stride, int64_t x_row_pad, std::mt19937& rng) {
    Problem problem;
    problem.type = type;
    problem.n_rows = n_rows;
    problem.k = k;
    problem.n_tokens = n_tokens;
    problem.row_begin = row_begin;
    problem.row_end = row_end;
    problem.y_stride = y_stride;
    problem.x_row_pad = x_row_pad;
    problem.w = random_weights(type, n_rows, k, rng);
    problem.x = random_floats(n_tokens * k, rng);
    return problem;
}

std::vector<uint8_t> prepare_rows(const MatmulKernel& kernel, const float* x, int64_t n_tokens,
                                  int64_t k) {
    const int64_t act_bytes = kernel.act_row_bytes(k);
    std::vector<uint8_t> xq(static_cast<size_t>(n_tokens * act_bytes));
    for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx)
        kernel.prepare(x + token_idx * k, xq.data() + token_idx * act_bytes, k);
    return xq;
}

std::vector<float> run_kernel(const MatmulKernel& kernel, const Problem& problem) {
    const int64_t x_row_bytes = kernel.act_row_bytes(problem.k) + problem.x_row_pad;
    std::vector<uint8_t> xq(static_cast<size_t>(problem.n_tokens * x_row_bytes), 0x7f);
    for (int64_t token_idx = 0; token_idx < problem.n_tokens; ++token_idx) {
        kernel.prepare(problem.x.data() + token_idx * problem.k,
                       xq.data() + token_idx * x_row_bytes, problem.k);
    }
    std::vector<float> y(static_cast<size_t>(problem.n_tokens * problem.y_stride),
                         std::numeric_limits<float>::quiet_NaN());
    MatmulArgs args;
    args.w = problem.w.data();
    args.w_row_bytes = row_bytes_unchecked(problem.type, problem.k);
    args.k = problem.k;
    args.x = xq.data();
    args.x_row_bytes = x_row_bytes;
    args.n_tokens = problem.n_tokens;
    args.y = y.data();
    args.y_stride = problem.y_stride;
    args.row_begin = problem.row_begin;
    args.row_end = problem.row_end;
    kernel.matmul(args);
    return y;
}

namespace {

float half_at(const uint8_t* bytes) {
    uint16_t bits;
    std::memcpy(&bits, bytes, sizeof(bits));
    return fp16_to_fp32(bits);
}

// Q4_K / Q5_K: 6-bit scale and minimum of sub-block j (0..7) from the 12 packed bytes.
void scale_min_k4(const uint8_t* packed, int sub_idx, int* scale, int* min) {
    if (sub_idx < 4) {
        *scale = packed[sub_idx] & 63;
        *min = packed[sub_idx + 4] & 63;
    } else {
        *scale = (packed[sub_idx + 4] & 0x0f) | ((packed[sub_idx - 4] >> 6) << 4);
        *min = (packed[sub_idx + 4] >> 4) | ((packed[sub_idx] >> 6) << 4);
    }
}

void decode_block(DType type, const uint8_t* block, float* out) {
    switch (type) {
        case DType::kQ4_0:
        case DType::kQ4_1:
        case DType::kQ5_0:
        case DType::kQ5_1: {
            const bool has_min = type == DType::kQ4_1 || type == DType::kQ5_1;
            const bool has_high = type == DType::kQ5_0 || type == DType::kQ5_1;
            const float d = half_at(block);
            const float m = has_min ? half_at(block + 2) : 0.0f;
            const uint8_t* after_halves = block + (has_min ? 4 : 2);
            uint32_t qh = 0;
            if (has_high) std::memcpy(&qh, after_halves, 4);
            const uint8_t* qs = after_halves + (has_high ? 4 : 0);
            const int offset = has_min ? 0 : has_high ? 16 : 8;
            for (int pair_idx = 0; pair_idx < 16; ++pair_idx) {
                const int low = (qs[pair_idx] & 0x0f) | (((qh >> pair_idx) & 1) << 4);
                const int high = (qs[pair_idx] >> 4) | (((qh >> (pair_idx + 16)) & 1) << 4);
                out[pair_idx] = d * static_cast<float>(low - offset) + m;
                out[pair_idx + 16] = d * static_cast<float>(high - offset) + m;
            }
            return;
        }
        case DType::kQ8_0: {
            const float d = half_at(block);
            for (int elem_idx = 0; elem_idx < 32; ++elem_idx)
                out[elem_idx] = d * static_cast<float>(static_cast<int8_t>(block[2 + elem_idx]));
            return;
        }
        case DType::kQ2_K: {
            const uint8_t* scales = block;
            const uint8_t* qs = block + 16;
            const float d = half_at(block + 80), dmin = half_at(block + 82);
            int sub_idx = 0;
            for (int half_idx = 0; half_idx < 2; ++half_idx) {
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int part = 0; part < 2; ++part, ++sub_idx) {
                        for (int lane = 0; lane < 16; ++lane) {
                            const int q = (qs[32 * half_idx + 16 * part + lane] >> shift) & 3;
                            *out++ = d * static_cast<float>(scales[sub_idx] & 15) * q -
                                     dmin * static_cast<float>(scales[sub_idx] >> 4);
                        }
                    }
                }
            }
            return;
        }
        case DType::kQ3_K: {
            const uint8_t* hmask = block;
            const uint8_t* qs = block + 32;
            const uint8_t* packed = block + 96;
            const float d = half_at(block + 108);
            int sub_idx = 0, bit = 0;
            for (int half_idx = 0; half_idx < 2; ++half_idx) {
                for (int shift = 0; shift < 8; shift += 2, ++bit) {
                    for (int part = 0; part < 2; ++part, ++sub_idx) {
                        const int low4 =
                            sub_idx < 8 ? packed[sub_idx] & 15 : packed[sub_idx - 8] >> 4;
                        const int high2 = (packed[8 + sub_idx % 4] >> (2 * (sub_idx / 4))) & 3;
                        const int scale = (low4 | high2 << 4) - 32;
                        for (int lane = 0; lane < 16; ++lane) {
                            const int at = 16 * part + lane;
                            const int q = ((qs[32 * half_idx + at] >> shift) & 3) -
                                          ((hmask[at] >> bit) & 1 ? 0 : 4);
                            *out++ = d * static_cast<float>(scale) * static_cast<float>(q);
                        }
                    }
                }
            }
            return;
        }
        case DType::kQ4_K:
        case DType::kQ5_K: {
            const bool has_high = type == DType::kQ5_K;
            const float d = half_at(block), dmin = half_at(block + 2);
            const uint8_t* packed = block + 4;
            const uint8_t* qh = block + 16;
            const uint8_t* qs = block + (has_high ? 48 : 16);
            for (int chunk_idx = 0; chunk_idx < 4; ++chunk_idx) {
                for (int nibble = 0; nibble < 2; ++nibble) {
                    const int sub_idx = 2 * chunk_idx + nibble;
                    int scale = 0, min = 0;
                    scale_min_k4(packed, sub_idx, &scale, &min);
                    for (int lane = 0; lane < 32; ++lane) {
                        int q = (qs[32 * chunk_idx + lane] >> (4 * nibble)) & 15;
                        if (has_high) q |= ((qh[lane] >> sub_idx) & 1) << 4;
                        *out++ = d * static_cast<float>(scale) * static_cast<float>(q) -
                                 dmin * static_cast<float>(min);
                    }
                }
            }
            return;
        }
        case DType::kQ6_K: {
            const float d = half_at(block + 208);
            const auto* scales = reinterpret_cast<const int8_t*>(block + 192);
            for (int half_idx = 0; half_idx < 2; ++half_idx) {
                const uint8_t* ql = block + 64 * half_idx;
                const uint8_t* qh = block + 128 + 32 * half_idx;
                float* half_out = out + 128 * half_idx;
                for (int lane = 0; lane < 32; ++lane) {
                    const int q[4] = {((ql[lane] & 15) | ((qh[lane] & 3) << 4)) - 32,
                                      ((ql[lane + 32] & 15) | (((qh[lane] >> 2) & 3) << 4)) - 32,
                                      ((ql[lane] >> 4) | (((qh[lane] >> 4) & 3) << 4)) - 32,
                                      ((ql[lane + 32] >> 4) | (((qh[lane] >> 6) & 3) << 4)) - 32};
                    for (int quarter = 0; quarter < 4; ++quarter) {
                        const int sub_idx = 8 * half_idx + 2 * quarter + lane / 16;
                        half_out[32 * quarter + lane] = d * static_cast<float>(scales[sub_idx]) *
                                                        static_cast<float>(q[quarter]);
                    }
                }
            }
            return;
        }
        default:
            ADD_FAILURE() << "no decoder for " << dtype_name(type);
    }
}

}  // namespace

std::vector<float> decode_row(DType type, const uint8_t* row, int64_t k) {
    std::vector<float> values(static_cast<size_t>(k));
    for (int64_t elem_idx = 0; elem_idx < k && block_elems(type) == 1; ++elem_idx) {
        uint16_t bits = 0;
        if (type != DType::kF32) std::memcpy(&bits, row + 2 * elem_idx, sizeof(bits));
        switch (type) {
            case DType::kF32:
                std::memcpy(&values[elem_idx], row + 4 * elem_idx, 4);
                break;
            case DType::kF16:
                values[elem_idx] = fp16_to_fp32(bits);
                break;
            default:
                values[elem_idx] = bf16_to_fp32(bits);
                break;
        }
    }
    if (block_elems(type) > 1) {
        const int64_t block = block_elems(type);
        const int64_t block_bytes = dtype_info(type).block_bytes;
        for (int64_t block_idx = 0; block_idx < k / block; ++block_idx)
            decode_block(type, row + block_idx * block_bytes, values.data() + block_idx * block);
    }
    return values;
}

double error_scale(const Problem& problem, int64_t token_idx, int64_t row_idx) {
    const int64_t w_row_bytes = row_bytes_unchecked(problem.type, problem.k);
    const std::vector<float> w =
        decode_row(problem.type, problem.w.data() + row_idx * w_row_bytes, problem.k);
    const float* x = problem.x.data() + token_idx * problem.k;
    double scale = 0.0;
    for (int64_t elem_idx = 0; elem_idx < problem.k; ++elem_idx)
        scale += std::fabs(static_cast<double>(w[elem_idx]) * x[elem_idx]);
    return scale;
}

}  // namespace hearth::kernels::test
