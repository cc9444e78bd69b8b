// Reads float32 / float64 NumPy .npy files (version 1.0-3.0, C order) for tests that compare with
// the Python reference. Returns the values as float and the shape.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace hearth::test {

struct NpyArray {
    std::vector<int64_t> shape;
    std::vector<float> values;
};

Result<NpyArray> read_npy(const std::string& path);

}  // namespace hearth::test
