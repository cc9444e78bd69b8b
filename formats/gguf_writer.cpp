// GGUF writer: metadata is encoded as it is set; tensors are produced in order at write time.
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "formats/gguf.h"

namespace hearth::gguf {
namespace {

template <typename T>
void put(std::vector<uint8_t>* out, T value) {
    const size_t pos = out->size();
    out->resize(pos + sizeof(T));
    std::memcpy(out->data() + pos, &value, sizeof(T));
}

void put_string(std::vector<uint8_t>* out, std::string_view text) {
    put<uint64_t>(out, text.size());
    out->insert(out->end(), text.begin(), text.end());
}

size_t element_width(ValueType type) {
    switch (type) {
        case ValueType::kUint8:
        case ValueType::kInt8:
        case ValueType::kBool: return 1;
        case ValueType::kUint16:
        case ValueType::kInt16: return 2;
        case ValueType::kUint32:
        case ValueType::kInt32:
        case ValueType::kFloat32: return 4;
        default: return 8;
    }
}

// Encodes `value`'s payload (without its type tag) as it appears in a file.
void encode_payload(const Value& value, std::vector<uint8_t>* out) {
    switch (value.type()) {
        case ValueType::kString: put_string(out, *value.as_string()); return;
        case ValueType::kArray: {
            put<uint32_t>(out, static_cast<uint32_t>(value.array_type()));
            put<uint64_t>(out, value.array_size());
            if (value.array_type() == ValueType::kString) {
                for (std::string_view text : value.array_strings()) put_string(out, text);
            } else if (value.array_type() == ValueType::kArray) {
                for (const Value& nested : value.array_values()) encode_payload(nested, out);
            } else {
                const size_t width = element_width(value.array_type());
                for (uint64_t idx = 0; idx < value.array_size(); ++idx) {
                    switch (value.array_type()) {
                        case ValueType::kFloat32: put<float>(out, static_cast<float>(value.array_float(idx))); break;
                        case ValueType::kFloat64: put<double>(out, value.array_float(idx)); break;
                        default: {
                            const int64_t number = value.array_int(idx);
                            const size_t pos = out->size();
                            out->resize(pos + width);
                            std::memcpy(out->data() + pos, &number, width);  // little-endian truncation
                        }
                    }
                }
            }
            return;
        }
        case ValueType::kFloat32: put<float>(out, static_cast<float>(*value.as_float())); return;
        case ValueType::kFloat64: put<double>(out, *value.as_float()); return;
        default: {
            const size_t width = element_width(value.type());
            const uint64_t bits = value.is_integer() ? (value.as_uint() ? *value.as_uint()
                                                                        : static_cast<uint64_t>(*value.as_int()))
                                                     : static_cast<uint64_t>(*value.as_bool());
            const size_t pos = out->size();
            out->resize(pos + width);
            std::memcpy(out->data() + pos, &bits, width);
        }
    }
}

}  // namespace

void Writer::set_encoded(std::string_view key, ValueType type, std::vector<uint8_t> payload) {
    std::vector<uint8_t> bytes;
    bytes.reserve(payload.size() + 4);
    put<uint32_t>(&bytes, static_cast<uint32_t>(type));
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    for (auto& [existing, encoded] : kv_) {
        if (existing == key) {
            encoded = std::move(bytes);
            return;
        }
    }
    kv_.emplace_back(std::string(key), std::move(bytes));
}

#define HEARTH_GGUF_SETTER(name, ctype, vtype)                 \
    void Writer::name(std::string_view key, ctype value) {     \
        std::vector<uint8_t> payload;                          \
        put<ctype>(&payload, value);                           \
        set_encoded(key, ValueType::vtype, std::move(payload)); \
    }
HEARTH_GGUF_SETTER(set_u8, uint8_t, kUint8)
HEARTH_GGUF_SETTER(set_i8, int8_t, kInt8)
HEARTH_GGUF_SETTER(set_u16, uint16_t, kUint16)
HEARTH_GGUF_SETTER(set_i16, int16_t, kInt16)
HEARTH_GGUF_SETTER(set_u32, uint32_t, kUint32)
HEARTH_GGUF_SETTER(set_i32, int32_t, kInt32)
HEARTH_GGUF_SETTER(set_u64, uint64_t, kUint64)
HEARTH_GGUF_SETTER(set_i64, int64_t, kInt64)
HEARTH_GGUF_SETTER(set_f32, float, kFloat32)
HEARTH_GGUF_SETTER(set_f64, double, kFloat64)
#undef HEARTH_GGUF_SETTER

void Writer::set_bool(std::string_view key, bool value) {
    set_encoded(key, ValueType::kBool, {static_cast<uint8_t>(value ? 1 : 0)});
}

void Writer::set_string(std::string_view key, std::string_view value) {
    std::vector<uint8_t> payload;
    put_string(&payload, value);
    set_encoded(key, ValueType::kString, std::move(payload));
}

void Writer::set_array_strings(std::string_view key, std::span<const std::string> values) {
    std::vector<uint8_t> payload;
    put<uint32_t>(&payload, static_cast<uint32_t>(ValueType::kString));
    put<uint64_t>(&payload, values.size());
    for (const std::string& text : values) put_string(&payload, text);
    set_encoded(key, ValueType::kArray, std::move(payload));
}

template <typename T>
static std::vector<uint8_t> numeric_array(ValueType type, std::span<const T> values) {
    std::vector<uint8_t> payload;
    put<uint32_t>(&payload, static_cast<uint32_t>(type));
    put<uint64_t>(&payload, values.size());
    const size_t pos = payload.size();
    payload.resize(pos + values.size_bytes());
    if (!values.empty()) std::memcpy(payload.data() + pos, values.data(), values.size_bytes());
    return payload;
}

void Writer::set_array_f32(std::string_view key, std::span<const float> values) {
    set_encoded(key, ValueType::kArray, numeric_array(ValueType::kFloat32, values));
}
void Writer::set_array_i32(std::string_view key, std::span<const int32_t> values) {
    set_encoded(key, ValueType::kArray, numeric_array(ValueType::kInt32, values));
}
void Writer::set_array_u8(std::string_view key, std::span<const uint8_t> values) {
    set_encoded(key, ValueType::kArray, numeric_array(ValueType::kUint8, values));
}

void Writer::set_value(std::string_view key, const Value& value) {
    std::vector<uint8_t> payload;
    encode_payload(value, &payload);
    set_encoded(key, value.type(), std::move(payload));
}

void Writer::remove(std::string_view key) {
    std::erase_if(kv_, [&](const auto& entry) { return entry.first == key; });
}

void Writer::set_alignment(uint32_t alignment) {
    alignment_ = alignment;
    if (alignment == kDefaultAlignment) remove("general.alignment");
    else set_u32("general.alignment", alignment);
}

Status Writer::add_tensor(std::string_view name, DType type, std::span<const int64_t> shape,
                          TensorProducer producer) {
    if (shape.empty() || shape.size() > static_cast<size_t>(kMaxDims))
        return Error::make(Errc::kInvalidArgument, "tensor '{}' needs 1 to {} dimensions", name, kMaxDims);
    for (const PendingTensor& tensor : tensors_)
        if (tensor.name == name)
            return Error::make(Errc::kAlreadyExists, "tensor '{}' added twice", name);
    int64_t n_rows = 1;
    for (size_t dim = 1; dim < shape.size(); ++dim) {
        if (shape[dim] < 0 || (shape[dim] != 0 && n_rows > INT64_MAX / shape[dim]))
            return Error::make(Errc::kInvalidArgument, "tensor '{}' has a bad shape", name);
        n_rows *= shape[dim];
    }
    HEARTH_ASSIGN_OR_RETURN(int64_t bytes_per_row, row_bytes(type, shape[0]));
    if (n_rows != 0 && bytes_per_row > INT64_MAX / n_rows)
        return Error::make(Errc::kInvalidArgument, "tensor '{}' is too large", name);
    tensors_.push_back(PendingTensor{std::string(name), type, {shape.begin(), shape.end()},
                                     static_cast<uint64_t>(bytes_per_row * n_rows), std::move(producer)});
    return {};
}

Status Writer::add_tensor(std::string_view name, DType type, std::span<const int64_t> shape,
                          std::vector<uint8_t> bytes) {
    auto shared = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
    HEARTH_TRY(add_tensor(name, type, shape, [shared, name = std::string(name)](std::span<uint8_t> out) -> Status {
        if (out.size() != shared->size())
            return Error::make(Errc::kInvalidArgument, "tensor '{}' has {} bytes of data, its shape needs {}",
                               name, shared->size(), out.size());
        if (!out.empty()) std::memcpy(out.data(), shared->data(), out.size());
        return {};
    }));
    return {};
}

Status Writer::write_to(const std::function<Status(const uint8_t*, size_t)>& sink) const {
    std::vector<uint8_t> header;
    put<uint32_t>(&header, kMagic);
    put<uint32_t>(&header, version_);
    put<uint64_t>(&header, tensors_.size());
    put<uint64_t>(&header, kv_.size());
    for (const auto& [key, encoded] : kv_) {
        put_string(&header, key);
        header.insert(header.end(), encoded.begin(), encoded.end());
    }
    uint64_t offset = 0;
    auto align_up = [this](uint64_t value) { return (value + alignment_ - 1) / alignment_ * alignment_; };
    for (const PendingTensor& tensor : tensors_) {
        put_string(&header, tensor.name);
        put<uint32_t>(&header, static_cast<uint32_t>(tensor.shape.size()));
        for (int64_t extent : tensor.shape) put<uint64_t>(&header, static_cast<uint64_t>(extent));
        put<uint32_t>(&header, static_cast<uint32_t>(tensor.type));
        put<uint64_t>(&header, offset);
        offset = align_up(offset + tensor.n_bytes);
    }
    if (!tensors_.empty()) header.resize(align_up(header.size()), 0);
    HEARTH_TRY(sink(header.data(), header.size()));

    std::vector<uint8_t> buffer;
    for (const PendingTensor& tensor : tensors_) {
        buffer.assign(align_up(tensor.n_bytes), 0);
        HEARTH_TRY(tensor.producer(std::span<uint8_t>(buffer.data(), tensor.n_bytes)));
        HEARTH_TRY(sink(buffer.data(), buffer.size()));
    }
    return {};
}

Result<std::vector<uint8_t>> Writer::write_memory() const {
    std::vector<uint8_t> out;
    HEARTH_TRY(write_to([&](const uint8_t* data, size_t size) -> Status {
        out.insert(out.end(), data, data + size);
        return {};
    }));
    return out;
}

Status Writer::write_file(const std::string& path) const {
    const std::string temp = path + ".tmp" + std::to_string(::getpid());
    std::FILE* file = std::fopen(temp.c_str(), "wb");
    if (!file) return Error::make(Errc::kIo, "cannot create '{}': {}", temp, std::strerror(errno));
    Status status = write_to([&](const uint8_t* data, size_t size) -> Status {
        if (size && std::fwrite(data, 1, size, file) != size)
            return Error::make(Errc::kIo, "writing '{}' failed: {}", temp, std::strerror(errno));
        return {};
    });
    if (std::fclose(file) != 0 && status.ok())
        status = Error::make(Errc::kIo, "closing '{}' failed: {}", temp, std::strerror(errno));
    if (status.ok() && std::rename(temp.c_str(), path.c_str()) != 0)
        status = Error::make(Errc::kIo, "cannot rename '{}' to '{}': {}", temp, path, std::strerror(errno));
    if (!status.ok()) std::remove(temp.c_str());
    return status;
}

}  // namespace hearth::gguf
