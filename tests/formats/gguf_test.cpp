// GGUF reader/writer: round trips of every value type, and a refusal with a named reason for
// every way a file can be broken.
#include "formats/gguf.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "tensor/half.h"

namespace hearth::gguf {
namespace {

std::vector<uint8_t> f32_bytes(std::initializer_list<float> values) {
    std::vector<uint8_t> bytes(values.size() * 4);
    std::memcpy(bytes.data(), values.begin(), bytes.size());
    return bytes;
}

Writer sample_writer(uint32_t version = 3) {
    Writer writer(version);
    writer.set_string("general.architecture", "llama");
    writer.set_u8("test.u8", 200);
    writer.set_i8("test.i8", -100);
    writer.set_u16("test.u16", 60000);
    writer.set_i16("test.i16", -30000);
    writer.set_u32("test.u32", 4000000000u);
    writer.set_i32("test.i32", -2000000000);
    writer.set_u64("test.u64", 1ull << 40);
    writer.set_i64("test.i64", -(1ll << 40));
    writer.set_f32("test.f32", 1.5f);
    writer.set_f64("test.f64", -2.25);
    writer.set_bool("test.bool", true);
    const std::vector<std::string> words = {"a", "", "ünïcode"};
    writer.set_array_strings("test.strings", words);
    const std::vector<float> floats = {0.5f, -1.0f, 3.0f};
    writer.set_array_f32("test.floats", floats);
    const std::vector<int32_t> ints = {1, -2, 3};
    writer.set_array_i32("test.ints", ints);
    const std::vector<int64_t> shape = {4, 2};
    EXPECT_TRUE(writer.add_tensor("weights", DType::kF32, shape,
                                  f32_bytes({1, 2, 3, 4, 5, 6, 7, 8})).ok());
    const std::vector<int64_t> shape_q = {32};
    std::vector<uint8_t> q8(34, 0);
    const uint16_t one = fp32_to_fp16(1.0f);
    std::memcpy(q8.data(), &one, 2);
    for (int idx = 0; idx < 32; ++idx) q8[2 + idx] = static_cast<uint8_t>(idx - 16);
    EXPECT_TRUE(writer.add_tensor("quantized", DType::kQ8_0, shape_q, q8).ok());
    return writer;
}

std::vector<uint8_t> sample_bytes(uint32_t version = 3) {
    auto bytes = sample_writer(version).write_memory();
    EXPECT_TRUE(bytes.ok());
    return *bytes;
}

Result<File> parse(const std::vector<uint8_t>& bytes) { return File::parse(bytes.data(), bytes.size()); }

void expect_refused(const std::vector<uint8_t>& bytes, const std::string& fragment) {
    auto file = parse(bytes);
    ASSERT_FALSE(file.ok()) << "expected refusal mentioning '" << fragment << "'";
    EXPECT_NE(file.error().message.find(fragment), std::string::npos)
        << "message was: " << file.error().message;
}

TEST(Gguf, RoundTripsEveryValueType) {
    for (uint32_t version : {2u, 3u}) {
        auto bytes = sample_bytes(version);
        auto file = parse(bytes);
        ASSERT_TRUE(file.ok()) << file.error().message;
        EXPECT_EQ(file->version(), version);
        EXPECT_EQ(*file->get_string("general.architecture"), "llama");
        EXPECT_EQ(*file->get_uint("test.u8"), 200u);
        EXPECT_EQ(*file->get_int("test.i8"), -100);
        EXPECT_EQ(*file->get_uint("test.u16"), 60000u);
        EXPECT_EQ(*file->get_int("test.i16"), -30000);
        EXPECT_EQ(*file->get_uint("test.u32"), 4000000000u);
        EXPECT_EQ(*file->get_int("test.i32"), -2000000000);
        EXPECT_EQ(*file->get_uint("test.u64"), 1ull << 40);
        EXPECT_EQ(*file->get_int("test.i64"), -(1ll << 40));
        EXPECT_FLOAT_EQ(*file->get_float("test.f32"), 1.5f);
        EXPECT_DOUBLE_EQ(*file->get_float("test.f64"), -2.25);
        EXPECT_TRUE(*file->get_bool("test.bool"));
        auto strings = file->get_array("test.strings", ValueType::kString);
        ASSERT_TRUE(strings.ok());
        ASSERT_EQ((*strings)->array_size(), 3u);
        EXPECT_EQ((*strings)->array_strings()[2], "ünïcode");
        EXPECT_EQ((*strings)->array_strings()[1], "");
        auto floats = (*file->get_array("test.floats", ValueType::kFloat32))->array_as_f32();
        ASSERT_TRUE(floats.has_value());
        EXPECT_EQ(*floats, (std::vector<float>{0.5f, -1.0f, 3.0f}));
        auto ints = (*file->get_array("test.ints", ValueType::kInt32))->array_as_int();
        EXPECT_EQ(*ints, (std::vector<int64_t>{1, -2, 3}));
    }
}

TEST(Gguf, TensorsAreViewsIntoTheBuffer) {
    auto bytes = sample_bytes();
    auto file = parse(bytes);
    ASSERT_TRUE(file.ok());
    ASSERT_EQ(file->tensors().size(), 2u);
    const TensorInfo* weights = file->find_tensor("weights");
    ASSERT_NE(weights, nullptr);
    EXPECT_EQ(weights->ne[0], 4);
    EXPECT_EQ(weights->ne[1], 2);
    EXPECT_EQ(weights->n_bytes, 32u);
    EXPECT_EQ(weights->shape_string(), "[4, 2]");
    EXPECT_GE(weights->data, bytes.data());
    EXPECT_LT(weights->data, bytes.data() + bytes.size());
    EXPECT_EQ((weights->data - bytes.data()) % 32, 0);
    float value;
    std::memcpy(&value, weights->data + 4 * 5, 4);
    EXPECT_EQ(value, 6.0f);
    const TensorInfo* quantized = file->find_tensor("quantized");
    ASSERT_NE(quantized, nullptr);
    EXPECT_EQ(quantized->type, DType::kQ8_0);
    EXPECT_EQ(quantized->n_bytes, 34u);
    EXPECT_EQ(file->tensor_bytes(), 66u);
}

TEST(Gguf, RewritesCopiedMetadataIdentically) {
    auto bytes = sample_bytes();
    auto file = parse(bytes);
    ASSERT_TRUE(file.ok());
    Writer copy;
    for (const MetadataEntry& entry : file->metadata()) copy.set_value(entry.key, entry.value);
    for (const TensorInfo& info : file->tensors()) {
        std::vector<int64_t> shape(info.ne, info.ne + info.n_dims);
        ASSERT_TRUE(copy.add_tensor(info.name, info.type, shape,
                                    std::vector<uint8_t>(info.data, info.data + info.n_bytes)).ok());
    }
    auto again = copy.write_memory();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, bytes);
}

TEST(Gguf, WritesFilesAtomicallyAndOpensThem) {
    const std::string path =
        (std::filesystem::temp_directory_path() / "hearth_gguf_test.gguf").string();
    ASSERT_TRUE(sample_writer().write_file(path).ok());
    auto file = File::open(path);
    ASSERT_TRUE(file.ok()) << file.error().message;
    EXPECT_EQ(file->path(), path);
    EXPECT_NE(file->mapping(), nullptr);
    File moved = std::move(file).value();  // views stay valid after a move
    EXPECT_EQ(*moved.get_string("general.architecture"), "llama");
    EXPECT_EQ(moved.find_tensor("weights")->ne[0], 4);
    std::filesystem::remove(path);
}

TEST(Gguf, CustomAlignment) {
    Writer writer = sample_writer();
    writer.set_alignment(64);
    auto bytes = writer.write_memory();
    ASSERT_TRUE(bytes.ok());
    auto file = parse(*bytes);
    ASSERT_TRUE(file.ok()) << file.error().message;
    EXPECT_EQ(file->alignment(), 64u);
    EXPECT_EQ(file->data_offset() % 64, 0u);
    for (const TensorInfo& info : file->tensors()) EXPECT_EQ(info.offset % 64, 0u);
}

TEST(Gguf, VocabularyOnlyFileHasNoTensors) {
    Writer writer;
    writer.set_string("tokenizer.ggml.model", "llama");
    auto bytes = writer.write_memory();
    auto file = parse(*bytes);
    ASSERT_TRUE(file.ok()) << file.error().message;
    EXPECT_TRUE(file->tensors().empty());
}

TEST(Gguf, TypedGettersNameTheProblem) {
    auto bytes = sample_bytes();
    auto file = parse(bytes);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->get_string("missing.key").error().code, Errc::kNotFound);
    auto wrong = file->get_string("test.u32");
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(wrong.error().message.find("test.u32' is a uint32, expected a string"), std::string::npos);
    EXPECT_FALSE(file->get_uint("test.i8").ok());  // negative
    EXPECT_FALSE(file->get_array("test.floats", ValueType::kInt32).ok());
}

// ---- refusals -------------------------------------------------------------------------------

TEST(GgufRefuses, EmptyAndTiny) {
    expect_refused({}, "too short");
    expect_refused({'G', 'G'}, "too short");
}

TEST(GgufRefuses, BadMagic) {
    auto bytes = sample_bytes();
    bytes[0] = 'X';
    expect_refused(bytes, "not a GGUF file");
}

TEST(GgufRefuses, UnsupportedVersions) {
    auto bytes = sample_bytes();
    bytes[4] = 1;
    expect_refused(bytes, "version 1");
    bytes[4] = 7;
    expect_refused(bytes, "version 7");
    bytes[4] = 0;
    bytes[7] = 3;  // big-endian files carry the version byte-swapped
    expect_refused(bytes, "big-endian");
}

TEST(GgufRefuses, EveryTruncation) {
    auto bytes = sample_bytes();
    auto whole = parse(bytes);
    ASSERT_TRUE(whole.ok());
    // The last tensor's trailing padding is optional; anything shorter than its data is not.
    const TensorInfo& last = whole->tensors().back();
    const size_t needed = whole->data_offset() + last.offset + last.n_bytes;
    ASSERT_LT(needed, bytes.size());
    // Every shorter prefix must be refused cleanly (and never crash).
    for (size_t length = 0; length < needed; ++length) {
        std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(length));
        auto file = parse(prefix);
        EXPECT_FALSE(file.ok()) << "prefix of " << length << " bytes was accepted";
    }
}

// Byte offsets of header fields in sample_bytes().
constexpr size_t kTensorCountOffset = 8;
constexpr size_t kKvCountOffset = 16;

void put_u64(std::vector<uint8_t>* bytes, size_t offset, uint64_t value) {
    std::memcpy(bytes->data() + offset, &value, 8);
}

TEST(GgufRefuses, HugeCounts) {
    auto bytes = sample_bytes();
    put_u64(&bytes, kKvCountOffset, 1ull << 60);
    expect_refused(bytes, "metadata entries");
    bytes = sample_bytes();
    put_u64(&bytes, kTensorCountOffset, ~0ull);
    expect_refused(bytes, "tensors");
}

TEST(GgufRefuses, HugeStringLength) {
    auto bytes = sample_bytes();
    put_u64(&bytes, 24, 1ull << 62);  // length of the first key
    expect_refused(bytes, "claims a length");
}

// Finds `needle` in the file and returns the offset just past it.
size_t offset_after(const std::vector<uint8_t>& bytes, const std::string& needle) {
    auto it = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
    EXPECT_NE(it, bytes.end());
    return static_cast<size_t>(it - bytes.begin()) + needle.size();
}

TEST(GgufRefuses, UnknownValueType) {
    auto bytes = sample_bytes();
    const size_t type_offset = offset_after(bytes, "test.u8");
    bytes[type_offset] = 99;
    expect_refused(bytes, "unknown value type 99");
}

TEST(GgufRefuses, HugeArrayCount) {
    auto bytes = sample_bytes();
    const size_t pos = offset_after(bytes, "test.floats") + 4 + 4;  // type, element type
    put_u64(&bytes, pos, 1ull << 61);
    expect_refused(bytes, "claims");
    bytes = sample_bytes();
    const size_t strings_pos = offset_after(bytes, "test.strings") + 8;
    put_u64(&bytes, strings_pos, 1ull << 40);
    expect_refused(bytes, "claims");
}

TEST(GgufRefuses, BadBool) {
    auto bytes = sample_bytes();
    bytes[offset_after(bytes, "test.bool") + 4] = 2;
    expect_refused(bytes, "not 0 or 1");
}

TEST(GgufRefuses, DuplicateKeyAndTensor) {
    Writer writer;
    writer.set_u32("a.b", 1);
    writer.set_u32("a.c", 2);
    auto bytes = *writer.write_memory();
    bytes[offset_after(bytes, "a.c") - 1] = 'b';
    expect_refused(bytes, "metadata key 'a.b' appears twice");

    Writer tensors;
    const std::vector<int64_t> shape = {1};
    ASSERT_TRUE(tensors.add_tensor("t.x", DType::kF32, shape, f32_bytes({1})).ok());
    ASSERT_TRUE(tensors.add_tensor("t.y", DType::kF32, shape, f32_bytes({2})).ok());
    bytes = *tensors.write_memory();
    bytes[offset_after(bytes, "t.y") - 1] = 'x';
    expect_refused(bytes, "tensor name 't.x' appears twice");
}

TEST(GgufRefuses, BadTensorFields) {
    auto base = sample_bytes();
    const size_t dims_pos = offset_after(base, "weights");
    auto bytes = base;
    bytes[dims_pos] = 5;
    expect_refused(bytes, "dimensions");
    bytes = base;
    bytes[dims_pos] = 0;
    expect_refused(bytes, "dimensions");
    bytes = base;
    put_u64(&bytes, dims_pos + 4, ~0ull);
    expect_refused(bytes, "too large");
    bytes = base;
    put_u64(&bytes, dims_pos + 4, 1ull << 40);
    put_u64(&bytes, dims_pos + 12, 1ull << 40);
    expect_refused(bytes, "too many elements");
    bytes = base;
    const size_t type_pos = dims_pos + 4 + 16;
    bytes[type_pos] = 200;
    expect_refused(bytes, "unknown type 200");
    bytes = base;
    bytes[type_pos] = static_cast<uint8_t>(DType::kQ4_0);  // 4 elements per row: not a block
    expect_refused(bytes, "not a multiple of the q4_0 block size");
    bytes = base;
    put_u64(&bytes, type_pos + 4, 3);  // offset not aligned
    expect_refused(bytes, "not a multiple of the alignment");
    bytes = base;
    put_u64(&bytes, type_pos + 4, 1ull << 50);  // past the end
    expect_refused(bytes, "ends past the end");
    bytes = base;
    const size_t q_offset_pos = offset_after(base, "quantized") + 4 + 8 + 4;
    put_u64(&bytes, q_offset_pos, 0);  // both tensors at offset 0
    expect_refused(bytes, "overlap");
}

TEST(GgufRefuses, BadAlignment) {
    Writer writer = sample_writer();
    writer.set_u32("general.alignment", 24);
    expect_refused(*writer.write_memory(), "not a power of two");
    Writer zero = sample_writer();
    zero.set_u32("general.alignment", 0);
    expect_refused(*zero.write_memory(), "not a power of two");
    Writer wrong_type = sample_writer();
    wrong_type.set_string("general.alignment", "32");
    expect_refused(*wrong_type.write_memory(), "must be a uint32");
}

TEST(GgufRefuses, DeeplyNestedArrays) {
    // Hand-built: one key whose value is an array of arrays nested 6 deep.
    std::vector<uint8_t> bytes;
    auto put32 = [&](uint32_t v) { bytes.insert(bytes.end(), reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + 4); };
    auto put64 = [&](uint64_t v) { bytes.insert(bytes.end(), reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + 8); };
    put32(kMagic);
    put32(3);
    put64(0);
    put64(1);
    put64(1);
    bytes.push_back('k');
    put32(static_cast<uint32_t>(ValueType::kArray));
    for (int depth = 0; depth < 6; ++depth) {
        put32(static_cast<uint32_t>(ValueType::kArray));
        put64(1);
    }
    put32(static_cast<uint32_t>(ValueType::kUint8));
    put64(0);
    bytes.resize(bytes.size() + 64, 0);
    expect_refused(bytes, "nested deeper");
}

TEST(GgufRefuses, MissingFileNamesThePath) {
    auto file = File::open("/nonexistent/model.gguf");
    ASSERT_FALSE(file.ok());
    EXPECT_NE(file.error().message.find("/nonexistent/model.gguf"), std::string::npos);
}

TEST(GgufWriter, RejectsBadTensors) {
    Writer writer;
    const std::vector<int64_t> bad_row = {33};
    EXPECT_FALSE(writer.add_tensor("x", DType::kQ8_0, bad_row, std::vector<uint8_t>(34)).ok());
    const std::vector<int64_t> too_many = {1, 1, 1, 1, 1};
    EXPECT_FALSE(writer.add_tensor("y", DType::kF32, too_many, std::vector<uint8_t>(4)).ok());
    const std::vector<int64_t> shape = {2};
    EXPECT_TRUE(writer.add_tensor("z", DType::kF32, shape, std::vector<uint8_t>(7)).ok());
    EXPECT_FALSE(writer.write_memory().ok());  // 7 bytes for an 8-byte tensor
    EXPECT_FALSE(writer.add_tensor("z", DType::kF32, shape, std::vector<uint8_t>(8)).ok());
}

}  // namespace
}  // namespace hearth::gguf

namespace hearth::gguf {
namespace {

TEST(GgufRefuses, TensorLargerThanFileWithoutOverflow) {
    // 2^62 f32 elements would need 2^64 bytes: the size must not wrap around to a small number.
    Writer writer;
    const std::vector<int64_t> shape = {1};
    ASSERT_TRUE(writer.add_tensor("t", DType::kF32, shape, f32_bytes({1})).ok());
    auto bytes = *writer.write_memory();
    const size_t dims_pos = offset_after(bytes, "t") + 4;
    put_u64(&bytes, dims_pos, 1ull << 62);
    expect_refused(bytes, "needs more bytes than the whole file");
}

}  // namespace
}  // namespace hearth::gguf
