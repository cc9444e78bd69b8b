#include "tests/util/npy.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace hearth::test {

Result<NpyArray> read_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error::make(Errc::kNotFound, "cannot read '{}'", path);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
        return Error::make(Errc::kCorrupt, "'{}' is not a .npy file", path);
    const int major = bytes[6];
    size_t header_len = 0, offset = 0;
    if (major == 1) {
        header_len = static_cast<uint8_t>(bytes[8]) | static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8;
        offset = 10;
    } else {
        uint32_t len32 = 0;
        std::memcpy(&len32, bytes.data() + 8, 4);
        header_len = len32;
        offset = 12;
    }
    if (offset + header_len > bytes.size()) return Error::make(Errc::kCorrupt, "'{}': truncated header", path);
    const std::string header(bytes.data() + offset, header_len);
    const bool f4 = header.find("'<f4'") != std::string::npos;
    const bool f8 = header.find("'<f8'") != std::string::npos;
    if (!f4 && !f8) return Error::make(Errc::kUnsupported, "'{}': only float32/float64 arrays", path);
    if (header.find("'fortran_order': False") == std::string::npos)
        return Error::make(Errc::kUnsupported, "'{}': only C order", path);
    NpyArray array;
    const size_t open = header.find('(', header.find("'shape'"));
    const size_t close = header.find(')', open);
    std::stringstream dims(header.substr(open + 1, close - open - 1));
    std::string dim;
    int64_t count = 1;
    while (std::getline(dims, dim, ',')) {
        if (dim.find_first_not_of(' ') == std::string::npos) continue;
        array.shape.push_back(std::stoll(dim));
        count *= array.shape.back();
    }
    const size_t data_offset = offset + header_len;
    const size_t width = f4 ? 4 : 8;
    if (data_offset + static_cast<size_t>(count) * width > bytes.size())
        return Error::make(Errc::kCorrupt, "'{}': truncated data", path);
    array.values.resize(static_cast<size_t>(count));
    for (int64_t idx = 0; idx < count; ++idx) {
        const char* p = bytes.data() + data_offset + static_cast<size_t>(idx) * width;
        if (f4) {
            std::memcpy(&array.values[static_cast<size_t>(idx)], p, 4);
        } else {
            double value;
            std::memcpy(&value, p, 8);
            array.values[static_cast<size_t>(idx)] = static_cast<float>(value);
        }
    }
    return array;
}

}  // namespace hearth::test
