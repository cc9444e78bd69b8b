#include "tensor/dtype.h"

#include <array>
#include <cctype>
#include <cstdint>

namespace hearth {
namespace {

constexpr int64_t kQK = 256;  // super-block size of the K-quants and IQ types

constexpr std::array<DTypeInfo, 31> kTypes = {{
    {DType::kF32, "f32", 1, 4, false, true},
    {DType::kF16, "f16", 1, 2, false, true},
    {DType::kQ4_0, "q4_0", 32, 18, true, true},
    {DType::kQ4_1, "q4_1", 32, 20, true, true},
    {DType::kQ5_0, "q5_0", 32, 22, true, true},
    {DType::kQ5_1, "q5_1", 32, 24, true, true},
    {DType::kQ8_0, "q8_0", 32, 34, true, true},
    {DType::kQ8_1, "q8_1", 32, 36, true, false},
    {DType::kQ2_K, "q2_K", kQK, 84, true, true},
    {DType::kQ3_K, "q3_K", kQK, 110, true, true},
    {DType::kQ4_K, "q4_K", kQK, 144, true, true},
    {DType::kQ5_K, "q5_K", kQK, 176, true, true},
    {DType::kQ6_K, "q6_K", kQK, 210, true, true},
    {DType::kQ8_K, "q8_K", kQK, 292, true, false},
    {DType::kIQ2_XXS, "iq2_xxs", kQK, 66, true, false},
    {DType::kIQ2_XS, "iq2_xs", kQK, 74, true, false},
    {DType::kIQ3_XXS, "iq3_xxs", kQK, 98, true, false},
    {DType::kIQ1_S, "iq1_s", kQK, 50, true, false},
    {DType::kIQ4_NL, "iq4_nl", 32, 18, true, false},
    {DType::kIQ3_S, "iq3_s", kQK, 110, true, false},
    {DType::kIQ2_S, "iq2_s", kQK, 82, true, false},
    {DType::kIQ4_XS, "iq4_xs", kQK, 136, true, false},
    {DType::kI8, "i8", 1, 1, false, false},
    {DType::kI16, "i16", 1, 2, false, false},
    {DType::kI32, "i32", 1, 4, false, false},
    {DType::kI64, "i64", 1, 8, false, false},
    {DType::kF64, "f64", 1, 8, false, false},
    {DType::kIQ1_M, "iq1_m", kQK, 56, true, false},
    {DType::kBF16, "bf16", 1, 2, false, true},
    {DType::kTQ1_0, "tq1_0", kQK, 54, true, false},
    {DType::kTQ2_0, "tq2_0", kQK, 66, true, false},
}};

}  // namespace

const DTypeInfo* dtype_info(uint32_t raw) {
    for (const DTypeInfo& info : kTypes)
        if (static_cast<uint32_t>(info.type) == raw) return &info;
    return nullptr;
}

const DTypeInfo& dtype_info(DType type) {
    const DTypeInfo* info = dtype_info(static_cast<uint32_t>(type));
    assert(info != nullptr);
    return *info;
}

std::string_view dtype_name(DType type) { return dtype_info(type).name; }

Result<DType> parse_dtype(std::string_view name) {
    for (const DTypeInfo& info : kTypes) {
        if (info.name.size() != name.size()) continue;
        bool same = true;
        for (size_t idx = 0; idx < name.size() && same; ++idx)
            same = std::tolower(static_cast<unsigned char>(name[idx])) ==
                   std::tolower(static_cast<unsigned char>(info.name[idx]));
        if (same) return info.type;
    }
    return Error::make(Errc::kInvalidArgument, "unknown tensor type '{}'", name);
}

Result<int64_t> row_bytes(DType type, int64_t n_elements) {
    const DTypeInfo& info = dtype_info(type);
    if (n_elements < 0 || n_elements % info.block_size != 0)
        return Error::make(Errc::kInvalidArgument,
                           "a row of {} elements is not a whole number of {} blocks ({} elements each)",
                           n_elements, info.name, info.block_size);
    if (n_elements / info.block_size > INT64_MAX / info.block_bytes)
        return Error::make(Errc::kOutOfRange, "a row of {} {} elements is too large", n_elements, info.name);
    return n_elements / info.block_size * info.block_bytes;
}

}  // namespace hearth
