// Metadata values and the File's lookups and typed getters.
#include <cmath>
#include <cstring>
#include <limits>

#include "formats/gguf.h"

namespace hearth::gguf {
namespace {

bool is_signed(ValueType type) {
    return type == ValueType::kInt8 || type == ValueType::kInt16 || type == ValueType::kInt32 ||
           type == ValueType::kInt64;
}

double bits_as_double(uint64_t bits) {
    double value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
}

template <typename T>
T load(const uint8_t* p) {
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
}

}  // namespace

const char* value_type_name(ValueType type) {
    switch (type) {
        case ValueType::kUint8: return "uint8";
        case ValueType::kInt8: return "int8";
        case ValueType::kUint16: return "uint16";
        case ValueType::kInt16: return "int16";
        case ValueType::kUint32: return "uint32";
        case ValueType::kInt32: return "int32";
        case ValueType::kFloat32: return "float32";
        case ValueType::kBool: return "bool";
        case ValueType::kString: return "string";
        case ValueType::kArray: return "array";
        case ValueType::kUint64: return "uint64";
        case ValueType::kInt64: return "int64";
        case ValueType::kFloat64: return "float64";
    }
    return "unknown";
}

bool Value::is_integer() const {
    switch (type_) {
        case ValueType::kUint8:
        case ValueType::kInt8:
        case ValueType::kUint16:
        case ValueType::kInt16:
        case ValueType::kUint32:
        case ValueType::kInt32:
        case ValueType::kUint64:
        case ValueType::kInt64: return true;
        default: return false;
    }
}

std::optional<int64_t> Value::as_int() const {
    if (!is_integer()) return std::nullopt;
    if (!is_signed(type_) && bits_ > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return std::nullopt;
    return static_cast<int64_t>(bits_);
}

std::optional<uint64_t> Value::as_uint() const {
    if (!is_integer()) return std::nullopt;
    if (is_signed(type_) && static_cast<int64_t>(bits_) < 0) return std::nullopt;
    return bits_;
}

std::optional<double> Value::as_float() const {
    if (type_ == ValueType::kFloat32 || type_ == ValueType::kFloat64) return bits_as_double(bits_);
    return std::nullopt;
}

std::optional<bool> Value::as_bool() const {
    if (type_ != ValueType::kBool) return std::nullopt;
    return bits_ != 0;
}

std::optional<std::string_view> Value::as_string() const {
    if (type_ != ValueType::kString) return std::nullopt;
    return string_;
}

double Value::array_float(uint64_t idx) const {
    const uint8_t* p = array_data_;
    switch (array_type_) {
        case ValueType::kFloat32: return load<float>(p + 4 * idx);
        case ValueType::kFloat64: return load<double>(p + 8 * idx);
        default: return static_cast<double>(array_int(idx));
    }
}

int64_t Value::array_int(uint64_t idx) const {
    const uint8_t* p = array_data_;
    switch (array_type_) {
        case ValueType::kUint8:
        case ValueType::kBool: return p[idx];
        case ValueType::kInt8: return load<int8_t>(p + idx);
        case ValueType::kUint16: return load<uint16_t>(p + 2 * idx);
        case ValueType::kInt16: return load<int16_t>(p + 2 * idx);
        case ValueType::kUint32: return load<uint32_t>(p + 4 * idx);
        case ValueType::kInt32: return load<int32_t>(p + 4 * idx);
        case ValueType::kUint64: return static_cast<int64_t>(load<uint64_t>(p + 8 * idx));
        case ValueType::kInt64: return load<int64_t>(p + 8 * idx);
        case ValueType::kFloat32: return static_cast<int64_t>(load<float>(p + 4 * idx));
        case ValueType::kFloat64: return static_cast<int64_t>(load<double>(p + 8 * idx));
        default: return 0;
    }
}

std::optional<std::vector<float>> Value::array_as_f32() const {
    if (type_ != ValueType::kArray || array_type_ == ValueType::kString ||
        array_type_ == ValueType::kArray)
        return std::nullopt;
    std::vector<float> out(array_size_);
    for (uint64_t idx = 0; idx < array_size_; ++idx) out[idx] = static_cast<float>(array_float(idx));
    return out;
}

std::optional<std::vector<int64_t>> Value::array_as_int() const {
    if (type_ != ValueType::kArray || array_type_ == ValueType::kString ||
        array_type_ == ValueType::kArray || array_type_ == ValueType::kFloat32 ||
        array_type_ == ValueType::kFloat64)
        return std::nullopt;
    std::vector<int64_t> out(array_size_);
    for (uint64_t idx = 0; idx < array_size_; ++idx) out[idx] = array_int(idx);
    return out;
}

std::string Value::to_display_string(size_t max_chars) const {
    auto shorten = [max_chars](std::string text) {
        if (text.size() > max_chars) text = text.substr(0, max_chars) + "...";
        return text;
    };
    auto escape = [](std::string_view text) {
        std::string out;
        for (char ch : text) {
            if (ch == '\n') out += "\\n";
            else if (static_cast<unsigned char>(ch) < 0x20) out += fmt::format("\\x{:02x}", ch);
            else out += ch;
        }
        return out;
    };
    switch (type_) {
        case ValueType::kString: return shorten("\"" + escape(string_) + "\"");
        case ValueType::kBool: return bits_ ? "true" : "false";
        case ValueType::kFloat32:
        case ValueType::kFloat64: return fmt::format("{}", bits_as_double(bits_));
        case ValueType::kArray: {
            std::string text = "[";
            const uint64_t shown = std::min<uint64_t>(array_size_, 8);
            for (uint64_t idx = 0; idx < shown; ++idx) {
                if (idx) text += ", ";
                if (array_type_ == ValueType::kString) text += "\"" + escape(strings_[idx]) + "\"";
                else if (array_type_ == ValueType::kArray) text += nested_[idx].to_display_string(20);
                else if (array_type_ == ValueType::kFloat32 || array_type_ == ValueType::kFloat64)
                    text += fmt::format("{}", array_float(idx));
                else text += fmt::format("{}", array_int(idx));
            }
            if (array_size_ > shown) text += fmt::format(", ... ({} x {})", array_size_, value_type_name(array_type_));
            return shorten(text + "]");
        }
        default:
            if (is_signed(type_)) return fmt::format("{}", static_cast<int64_t>(bits_));
            return fmt::format("{}", bits_);
    }
}

std::string TensorInfo::shape_string() const {
    std::string text = "[";
    for (int dim = 0; dim < n_dims; ++dim) text += (dim ? ", " : "") + std::to_string(ne[dim]);
    return text + "]";
}

const Value* File::find(std::string_view key) const {
    auto it = metadata_index_.find(key);
    return it == metadata_index_.end() ? nullptr : &metadata_[it->second].value;
}

const TensorInfo* File::find_tensor(std::string_view name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

uint64_t File::tensor_bytes() const {
    uint64_t total = 0;
    for (const TensorInfo& info : tensors_) total += info.n_bytes;
    return total;
}

namespace {
Error missing(std::string_view key) {
    return Error::make(Errc::kNotFound, "metadata key '{}' is missing", key);
}
Error wrong_type(std::string_view key, const Value& value, std::string_view expected) {
    return Error::make(Errc::kCorrupt, "metadata '{}' is a {}, expected {}", key,
                       value_type_name(value.type()), expected);
}
}  // namespace

Result<std::string_view> File::get_string(std::string_view key) const {
    const Value* value = find(key);
    if (!value) return missing(key);
    if (auto text = value->as_string()) return *text;
    return wrong_type(key, *value, "a string");
}

Result<uint64_t> File::get_uint(std::string_view key) const {
    const Value* value = find(key);
    if (!value) return missing(key);
    if (auto number = value->as_uint()) return *number;
    if (value->is_integer())
        return Error::make(Errc::kCorrupt, "metadata '{}' is negative", key);
    return wrong_type(key, *value, "an unsigned integer");
}

Result<int64_t> File::get_int(std::string_view key) const {
    const Value* value = find(key);
    if (!value) return missing(key);
    if (auto number = value->as_int()) return *number;
    if (value->is_integer()) return Error::make(Errc::kCorrupt, "metadata '{}' is too large", key);
    return wrong_type(key, *value, "an integer");
}

Result<double> File::get_float(std::string_view key) const {
    const Value* value = find(key);
    if (!value) return missing(key);
    if (auto number = value->as_float()) {
        if (!std::isfinite(*number))
            return Error::make(Errc::kCorrupt, "metadata '{}' is not a finite number", key);
        return *number;
    }
    // Some converters store float hyperparameters as integers.
    if (auto number = value->as_int()) return static_cast<double>(*number);
    return wrong_type(key, *value, "a float");
}

Result<bool> File::get_bool(std::string_view key) const {
    const Value* value = find(key);
    if (!value) return missing(key);
    if (auto flag = value->as_bool()) return *flag;
    return wrong_type(key, *value, "a bool");
}

Result<const Value*> File::get_array(std::string_view key, ValueType element_type) const {
    const Value* value = find(key);
    if (!value) return missing(key);
    if (!value->is_array()) return wrong_type(key, *value, "an array");
    if (value->array_type() != element_type)
        return Error::make(Errc::kCorrupt, "metadata '{}' is an array of {}, expected {}", key,
                           value_type_name(value->array_type()), value_type_name(element_type));
    return value;
}

}  // namespace hearth::gguf
