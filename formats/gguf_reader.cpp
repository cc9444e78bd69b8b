// GGUF parsing and validation. Layout (all little-endian):
//   u32 magic "GGUF" | u32 version | u64 n_tensors | u64 n_kv
//   n_kv x { string key | u32 type | value }
//   n_tensors x { string name | u32 n_dims | u64 ne[n_dims] | u32 type | u64 offset }
//   padding to `alignment` | tensor data (each tensor at data_start + offset)
// A string is u64 length + bytes; an array is u32 element type + u64 count + elements.
#include <algorithm>
#include <cstring>
#include <limits>

#include "formats/gguf.h"

namespace hearth::gguf {
namespace {

constexpr int kMaxArrayDepth = 4;
constexpr uint64_t kMaxNameBytes = 1024;  // tensor names (ggml itself allows 63)

size_t scalar_size(ValueType type) {
    switch (type) {
        case ValueType::kUint8:
        case ValueType::kInt8:
        case ValueType::kBool: return 1;
        case ValueType::kUint16:
        case ValueType::kInt16: return 2;
        case ValueType::kUint32:
        case ValueType::kInt32:
        case ValueType::kFloat32: return 4;
        case ValueType::kUint64:
        case ValueType::kInt64:
        case ValueType::kFloat64: return 8;
        case ValueType::kString:
        case ValueType::kArray: return 0;
    }
    return 0;
}

bool known_value_type(uint32_t raw) { return raw <= static_cast<uint32_t>(ValueType::kFloat64); }

template <typename T>
T load(const uint8_t* p) {
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
}

// Decodes a little-endian scalar of `type` at p into the 64-bit payload Value keeps.
uint64_t load_scalar_bits(ValueType type, const uint8_t* p) {
    switch (type) {
        case ValueType::kUint8: return load<uint8_t>(p);
        case ValueType::kInt8: return static_cast<uint64_t>(static_cast<int64_t>(load<int8_t>(p)));
        case ValueType::kBool: return load<uint8_t>(p);
        case ValueType::kUint16: return load<uint16_t>(p);
        case ValueType::kInt16: return static_cast<uint64_t>(static_cast<int64_t>(load<int16_t>(p)));
        case ValueType::kUint32: return load<uint32_t>(p);
        case ValueType::kInt32: return static_cast<uint64_t>(static_cast<int64_t>(load<int32_t>(p)));
        case ValueType::kFloat32: {
            const double widened = load<float>(p);
            return load<uint64_t>(reinterpret_cast<const uint8_t*>(&widened));
        }
        case ValueType::kUint64:
        case ValueType::kInt64:
        case ValueType::kFloat64: return load<uint64_t>(p);
        default: return 0;
    }
}

}  // namespace

class Parser {
public:
    Parser(const uint8_t* data, size_t size) : data_(data), size_(size) {}

    Status parse(File* file);

private:
    size_t remaining() const { return size_ - pos_; }

    Status need(uint64_t n_bytes, std::string_view what) const {
        if (n_bytes > remaining())
            return Error::make(Errc::kCorrupt,
                               "truncated file: {} needs {} bytes at offset {}, but only {} remain",
                               what, n_bytes, pos_, remaining());
        return {};
    }
    template <typename T>
    Result<T> read(std::string_view what) {
        HEARTH_TRY(need(sizeof(T), what));
        T value = load<T>(data_ + pos_);
        pos_ += sizeof(T);
        return value;
    }
    Result<std::string_view> read_string(std::string_view what, uint64_t max_len);
    Status read_value(ValueType type, Value* out, int depth, std::string_view key);

    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

Result<std::string_view> Parser::read_string(std::string_view what, uint64_t max_len) {
    HEARTH_ASSIGN_OR_RETURN(uint64_t length, read<uint64_t>(what));
    if (length > remaining())
        return Error::make(Errc::kCorrupt,
                           "{} claims a length of {} bytes at offset {}, but only {} bytes remain",
                           what, length, pos_ - 8, remaining());
    if (length > max_len)
        return Error::make(Errc::kCorrupt, "{} is {} bytes long, more than the limit of {}", what,
                           length, max_len);
    std::string_view text(reinterpret_cast<const char*>(data_ + pos_), length);
    pos_ += length;
    return text;
}

Status Parser::read_value(ValueType type, Value* out, int depth, std::string_view key) {
    out->type_ = type;
    if (type == ValueType::kString) {
        HEARTH_ASSIGN_OR_RETURN(out->string_,
                                read_string(fmt::format("string value of '{}'", key), UINT64_MAX));
        return {};
    }
    if (type != ValueType::kArray) {
        const size_t width = scalar_size(type);
        HEARTH_TRY(need(width, fmt::format("value of '{}'", key)));
        out->bits_ = load_scalar_bits(type, data_ + pos_);
        if (type == ValueType::kBool && out->bits_ > 1)
            return Error::make(Errc::kCorrupt, "bool value of '{}' is {}, not 0 or 1", key, out->bits_);
        pos_ += width;
        return {};
    }
    if (depth >= kMaxArrayDepth)
        return Error::make(Errc::kCorrupt, "arrays in '{}' are nested deeper than {} levels", key,
                           kMaxArrayDepth);
    HEARTH_ASSIGN_OR_RETURN(uint32_t raw_elem, read<uint32_t>("array element type"));
    if (!known_value_type(raw_elem))
        return Error::make(Errc::kCorrupt, "array '{}' has unknown element type {}", key, raw_elem);
    const auto elem_type = static_cast<ValueType>(raw_elem);
    HEARTH_ASSIGN_OR_RETURN(uint64_t count, read<uint64_t>("array length"));
    out->array_type_ = elem_type;
    out->array_size_ = count;
    if (elem_type == ValueType::kString || elem_type == ValueType::kArray) {
        // Each element takes at least 8 (string length) or 12 (array header) bytes: bound the
        // count by what remains before reserving anything.
        const uint64_t min_elem = elem_type == ValueType::kString ? 8 : 12;
        if (count > remaining() / min_elem)
            return Error::make(Errc::kCorrupt,
                               "array '{}' claims {} elements, more than the {} bytes left can hold",
                               key, count, remaining());
        if (elem_type == ValueType::kString) {
            out->strings_.reserve(count);
            for (uint64_t idx = 0; idx < count; ++idx) {
                HEARTH_ASSIGN_OR_RETURN(
                    std::string_view text,
                    read_string(fmt::format("element {} of '{}'", idx, key), UINT64_MAX));
                out->strings_.push_back(text);
            }
        } else {
            out->nested_.resize(count);
            for (uint64_t idx = 0; idx < count; ++idx)
                HEARTH_TRY(read_value(ValueType::kArray, &out->nested_[idx], depth + 1, key));
        }
        return {};
    }
    const uint64_t width = scalar_size(elem_type);
    if (count > remaining() / width)
        return Error::make(Errc::kCorrupt,
                           "array '{}' claims {} elements of {} bytes, more than the {} bytes left",
                           key, count, width, remaining());
    out->array_data_ = data_ + pos_;
    pos_ += count * width;
    if (elem_type == ValueType::kBool) {
        for (uint64_t idx = 0; idx < count; ++idx)
            if (out->array_data_[idx] > 1)
                return Error::make(Errc::kCorrupt, "element {} of bool array '{}' is not 0 or 1",
                                   idx, key);
    }
    return {};
}

Status Parser::parse(File* file) {
    if (size_ < 4)
        return Error::make(Errc::kCorrupt, "not a GGUF file: {} bytes is too short for a header", size_);
    HEARTH_ASSIGN_OR_RETURN(uint32_t magic, read<uint32_t>("magic"));
    if (magic != kMagic)
        return Error::make(Errc::kCorrupt, "not a GGUF file: magic is 0x{:08x}, expected 0x{:08x} (\"GGUF\")",
                           magic, kMagic);
    HEARTH_ASSIGN_OR_RETURN(uint32_t version, read<uint32_t>("version"));
    if (version == 1)
        return Error::make(Errc::kUnsupported, "GGUF version 1 is not supported (only 2 and 3); "
                                               "convert the file again with a current converter");
    if (version != 2 && version != 3) {
        if ((version & 0xffff) == 0 && (version >> 24) != 0)
            return Error::make(Errc::kUnsupported, "big-endian GGUF files are not supported");
        return Error::make(Errc::kUnsupported, "GGUF version {} is not supported (only 2 and 3)",
                           version);
    }
    file->version_ = version;
    HEARTH_ASSIGN_OR_RETURN(uint64_t n_tensors, read<uint64_t>("tensor count"));
    HEARTH_ASSIGN_OR_RETURN(uint64_t n_kv, read<uint64_t>("metadata count"));
    // Smallest encodings: a key-value is 8 + 4 + 1 bytes; a tensor info 8 + 4 + 8 + 4 + 8.
    if (n_kv > remaining() / 13)
        return Error::make(Errc::kCorrupt, "header claims {} metadata entries, more than the file can hold",
                           n_kv);
    if (n_tensors > remaining() / 32)
        return Error::make(Errc::kCorrupt, "header claims {} tensors, more than the file can hold",
                           n_tensors);

    file->metadata_.reserve(n_kv);
    for (uint64_t kv_idx = 0; kv_idx < n_kv; ++kv_idx) {
        HEARTH_ASSIGN_OR_RETURN(std::string_view key,
                                read_string(fmt::format("key of metadata entry {}", kv_idx), 65535));
        HEARTH_ASSIGN_OR_RETURN(uint32_t raw_type, read<uint32_t>("metadata value type"));
        if (!known_value_type(raw_type))
            return Error::make(Errc::kCorrupt, "metadata '{}' has unknown value type {}", key, raw_type);
        MetadataEntry entry;
        entry.key = key;
        HEARTH_TRY(read_value(static_cast<ValueType>(raw_type), &entry.value, 0, key));
        if (!file->metadata_index_.emplace(key, file->metadata_.size()).second)
            return Error::make(Errc::kCorrupt, "metadata key '{}' appears twice", key);
        file->metadata_.push_back(std::move(entry));
    }

    if (const Value* align = file->find("general.alignment")) {
        auto value = align->as_uint();
        if (align->type() != ValueType::kUint32 || !value)
            return Error::make(Errc::kCorrupt, "general.alignment must be a uint32, found {}",
                               value_type_name(align->type()));
        if (*value == 0 || (*value & (*value - 1)) != 0)
            return Error::make(Errc::kCorrupt, "general.alignment is {}, not a power of two", *value);
        file->alignment_ = static_cast<uint32_t>(*value);
    }

    file->tensors_.reserve(n_tensors);
    for (uint64_t tensor_idx = 0; tensor_idx < n_tensors; ++tensor_idx) {
        TensorInfo info;
        HEARTH_ASSIGN_OR_RETURN(info.name,
                                read_string(fmt::format("name of tensor {}", tensor_idx), kMaxNameBytes));
        HEARTH_ASSIGN_OR_RETURN(uint32_t n_dims, read<uint32_t>("tensor dimension count"));
        if (n_dims < 1 || n_dims > kMaxDims)
            return Error::make(Errc::kCorrupt, "tensor '{}' has {} dimensions (1 to {} allowed)",
                               info.name, n_dims, kMaxDims);
        info.n_dims = static_cast<int>(n_dims);
        for (uint32_t dim = 0; dim < n_dims; ++dim) {
            HEARTH_ASSIGN_OR_RETURN(uint64_t extent, read<uint64_t>("tensor dimension"));
            if (extent > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
                return Error::make(Errc::kCorrupt, "tensor '{}' dimension {} is {}, too large",
                                   info.name, dim, extent);
            info.ne[dim] = static_cast<int64_t>(extent);
        }
        HEARTH_ASSIGN_OR_RETURN(uint32_t raw_type, read<uint32_t>("tensor type"));
        const DTypeInfo* type_info = dtype_info(raw_type);
        if (!type_info)
            return Error::make(Errc::kUnsupported, "tensor '{}' has unknown type {}", info.name, raw_type);
        info.type = type_info->type;
        HEARTH_ASSIGN_OR_RETURN(info.offset, read<uint64_t>("tensor offset"));

        // Element count and byte size without overflow: every product stays below 2^62.
        uint64_t n_elements = 1;
        for (int dim = 0; dim < kMaxDims; ++dim) {
            const auto extent = static_cast<uint64_t>(info.ne[dim]);
            if (extent != 0 && n_elements > (uint64_t{1} << 62) / extent)
                return Error::make(Errc::kCorrupt, "tensor '{}' shape {} has too many elements",
                                   info.name, info.shape_string());
            n_elements *= extent;
        }
        if (info.ne[0] % type_info->block_size != 0)
            return Error::make(Errc::kCorrupt,
                               "tensor '{}' rows have {} elements, not a multiple of the {} block size {}",
                               info.name, info.ne[0], type_info->name, type_info->block_size);
        const uint64_t n_blocks = n_elements / static_cast<uint64_t>(type_info->block_size);
        const auto block_bytes = static_cast<uint64_t>(type_info->block_bytes);
        if (n_blocks > size_ / block_bytes)
            return Error::make(Errc::kCorrupt, "tensor '{}' shape {} needs more bytes than the whole file has ({})",
                               info.name, info.shape_string(), size_);
        info.n_bytes = n_blocks * block_bytes;
        if (info.offset % file->alignment_ != 0)
            return Error::make(Errc::kCorrupt, "tensor '{}' offset {} is not a multiple of the alignment {}",
                               info.name, info.offset, file->alignment_);
        if (!file->tensor_index_.emplace(info.name, file->tensors_.size()).second)
            return Error::make(Errc::kCorrupt, "tensor name '{}' appears twice", info.name);
        file->tensors_.push_back(info);
    }

    // The data section starts at the next multiple of the alignment.
    const uint64_t data_offset = (pos_ + file->alignment_ - 1) / file->alignment_ * file->alignment_;
    file->data_offset_ = data_offset;
    if (file->tensors_.empty()) return {};
    if (data_offset > size_)
        return Error::make(Errc::kCorrupt, "truncated file: tensor data would start at byte {}, past the end ({} bytes)",
                           data_offset, size_);
    const uint64_t data_size = size_ - data_offset;

    // Every tensor lies inside the data section and no two overlap.
    std::vector<const TensorInfo*> by_offset;
    by_offset.reserve(file->tensors_.size());
    for (TensorInfo& info : file->tensors_) {
        if (info.offset > data_size || info.n_bytes > data_size - info.offset)
            return Error::make(Errc::kCorrupt,
                               "truncated file: tensor '{}' ({} bytes at data offset {}) ends past the end "
                               "of the data section ({} bytes)",
                               info.name, info.n_bytes, info.offset, data_size);
        info.data = data_ + data_offset + info.offset;
        by_offset.push_back(&info);
    }
    std::sort(by_offset.begin(), by_offset.end(),
              [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
    for (size_t idx = 1; idx < by_offset.size(); ++idx) {
        const TensorInfo* prev = by_offset[idx - 1];
        const TensorInfo* next = by_offset[idx];
        if (prev->offset + prev->n_bytes > next->offset)
            return Error::make(Errc::kCorrupt, "tensors '{}' and '{}' overlap in the data section",
                               prev->name, next->name);
    }
    return {};
}

Result<File> File::parse(const uint8_t* data, size_t size) {
    File file;
    file.data_ = data;
    file.size_ = size;
    Parser parser(data, size);
    HEARTH_TRY(parser.parse(&file));
    return file;
}

Result<File> File::open(const std::string& path) {
    HEARTH_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::open(path));
    auto mapping = std::make_unique<MappedFile>(std::move(mapped));
    auto parsed = parse(mapping->data(), mapping->size());
    if (!parsed.ok()) return parsed.error().wrap("{}", path);
    File file = std::move(parsed).value();
    file.mapping_ = std::move(mapping);
    return file;
}

}  // namespace hearth::gguf
