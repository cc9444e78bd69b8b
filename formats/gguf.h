// GGUF (versions 2 and 3, little-endian) reader and writer.
//
// Reader: the file is memory-mapped and parsed once; metadata strings and tensor data are views
// into the mapping (zero copy), valid while the File lives. Every count, length, offset and size
// is checked against the bytes that remain before it is used, so a truncated, corrupted or
// hostile file is refused with an Error that names the problem (kCorrupt / kUnsupported), never a
// crash, a hang or an unbounded allocation: the reader allocates at most a small constant times
// the file size.
//
// Writer: collects metadata and tensors, then writes a complete file (to a temporary name, renamed
// into place, so a reader never sees half a file).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/mapped_file.h"
#include "base/result.h"
#include "tensor/dtype.h"

namespace hearth::gguf {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr uint32_t kDefaultAlignment = 32;
constexpr int kMaxDims = 4;

enum class ValueType : uint32_t {
    kUint8 = 0,
    kInt8 = 1,
    kUint16 = 2,
    kInt16 = 3,
    kUint32 = 4,
    kInt32 = 5,
    kFloat32 = 6,
    kBool = 7,
    kString = 8,
    kArray = 9,
    kUint64 = 10,
    kInt64 = 11,
    kFloat64 = 12,
};

const char* value_type_name(ValueType type);

// A metadata value. Strings are views into the file. Arrays keep their raw little-endian element
// bytes (numeric arrays), decoded string views (string arrays) or nested values (arrays of arrays).
class Value {
public:
    ValueType type() const { return type_; }
    bool is_integer() const;
    bool is_array() const { return type_ == ValueType::kArray; }

    // Scalars. Integers convert between widths when the value fits; floats accept f32 and f64.
    std::optional<int64_t> as_int() const;
    std::optional<uint64_t> as_uint() const;
    std::optional<double> as_float() const;
    std::optional<bool> as_bool() const;
    std::optional<std::string_view> as_string() const;

    // Arrays.
    ValueType array_type() const { return array_type_; }
    uint64_t array_size() const { return array_size_; }
    std::span<const std::string_view> array_strings() const { return strings_; }
    std::span<const Value> array_values() const { return nested_; }
    // Element `idx` of a numeric array, converted (no range check beyond idx < size).
    double array_float(uint64_t idx) const;
    int64_t array_int(uint64_t idx) const;
    // Whole numeric arrays, converted. Empty optional if the element type is not numeric.
    std::optional<std::vector<float>> array_as_f32() const;
    std::optional<std::vector<int64_t>> array_as_int() const;

    // Human-readable, shortened for long arrays and strings ("[32000 x string]").
    std::string to_display_string(size_t max_chars = 80) const;

private:
    friend class Parser;
    friend class Writer;

    ValueType type_ = ValueType::kUint8;
    uint64_t bits_ = 0;              // scalar payload (integer bits, or f64 bits for floats)
    std::string_view string_;        // kString
    ValueType array_type_ = ValueType::kUint8;
    uint64_t array_size_ = 0;
    const uint8_t* array_data_ = nullptr;  // numeric arrays: raw elements
    std::vector<std::string_view> strings_;
    std::vector<Value> nested_;
};

struct TensorInfo {
    std::string_view name;
    DType type = DType::kF32;
    int n_dims = 0;
    int64_t ne[kMaxDims] = {1, 1, 1, 1};  // ne[0] is the innermost (row) dimension
    uint64_t offset = 0;                  // relative to the start of the data section
    uint64_t n_bytes = 0;
    const uint8_t* data = nullptr;        // into the mapping

    int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
    int64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }
    std::string shape_string() const;  // "[4096, 32000]"
};

struct MetadataEntry {
    std::string_view key;
    Value value;
};

class File {
public:
    File() = default;
    File(File&&) noexcept = default;
    File& operator=(File&&) noexcept = default;

    // Maps and validates `path`.
    static Result<File> open(const std::string& path);
    // Parses a buffer the caller keeps alive (fuzzing, tests). No mapping is owned.
    static Result<File> parse(const uint8_t* data, size_t size);

    uint32_t version() const { return version_; }
    uint32_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }
    size_t file_size() const { return size_; }
    const uint8_t* file_data() const { return data_; }
    const std::string& path() const { return mapping_ ? mapping_->path() : empty_path_; }
    const MappedFile* mapping() const { return mapping_.get(); }

    const std::vector<MetadataEntry>& metadata() const { return metadata_; }
    const Value* find(std::string_view key) const;
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    const TensorInfo* find_tensor(std::string_view name) const;
    uint64_t tensor_bytes() const;  // sum of all tensors' sizes

    // Typed getters: kNotFound if absent, kCorrupt if present with an unusable type or value.
    Result<std::string_view> get_string(std::string_view key) const;
    Result<uint64_t> get_uint(std::string_view key) const;
    Result<int64_t> get_int(std::string_view key) const;
    Result<double> get_float(std::string_view key) const;
    Result<bool> get_bool(std::string_view key) const;
    Result<const Value*> get_array(std::string_view key, ValueType element_type) const;

private:
    friend class Parser;

    std::unique_ptr<MappedFile> mapping_;  // heap-held so views stay valid when File moves
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    uint32_t version_ = 0;
    uint32_t alignment_ = kDefaultAlignment;
    uint64_t data_offset_ = 0;
    std::vector<MetadataEntry> metadata_;
    std::vector<TensorInfo> tensors_;
    std::unordered_map<std::string_view, size_t> metadata_index_;
    std::unordered_map<std::string_view, size_t> tensor_index_;
    std::string empty_path_;
};

// Produces a tensor's bytes at write time into `out` (exactly the tensor's size).
using TensorProducer = std::function<Status(std::span<uint8_t> out)>;

class Writer {
public:
    explicit Writer(uint32_t version = 3) : version_(version) {}

    void set_u8(std::string_view key, uint8_t value);
    void set_i8(std::string_view key, int8_t value);
    void set_u16(std::string_view key, uint16_t value);
    void set_i16(std::string_view key, int16_t value);
    void set_u32(std::string_view key, uint32_t value);
    void set_i32(std::string_view key, int32_t value);
    void set_u64(std::string_view key, uint64_t value);
    void set_i64(std::string_view key, int64_t value);
    void set_f32(std::string_view key, float value);
    void set_f64(std::string_view key, double value);
    void set_bool(std::string_view key, bool value);
    void set_string(std::string_view key, std::string_view value);
    void set_array_strings(std::string_view key, std::span<const std::string> values);
    void set_array_f32(std::string_view key, std::span<const float> values);
    void set_array_i32(std::string_view key, std::span<const int32_t> values);
    void set_array_u8(std::string_view key, std::span<const uint8_t> values);
    // Copies a value read from another file (any type, nested arrays included).
    void set_value(std::string_view key, const Value& value);
    void remove(std::string_view key);
    // `general.alignment` is written when alignment differs from 32.
    void set_alignment(uint32_t alignment);

    // Tensors are written in the order they are added. `shape` is innermost first, 1..4 dims.
    Status add_tensor(std::string_view name, DType type, std::span<const int64_t> shape,
                      TensorProducer producer);
    Status add_tensor(std::string_view name, DType type, std::span<const int64_t> shape,
                      std::vector<uint8_t> bytes);

    Status write_file(const std::string& path) const;
    Result<std::vector<uint8_t>> write_memory() const;

private:
    struct PendingTensor {
        std::string name;
        DType type;
        std::vector<int64_t> shape;
        uint64_t n_bytes;
        TensorProducer producer;
    };
    void set_encoded(std::string_view key, ValueType type, std::vector<uint8_t> payload);
    Status write_to(const std::function<Status(const uint8_t*, size_t)>& sink) const;

    uint32_t version_;
    uint32_t alignment_ = kDefaultAlignment;
    std::vector<std::pair<std::string, std::vector<uint8_t>>> kv_;  // key -> type + payload bytes
    std::vector<PendingTensor> tensors_;
};

}  // namespace hearth::gguf
