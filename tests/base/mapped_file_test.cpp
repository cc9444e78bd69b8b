#include "base/mapped_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace hearth {
namespace {

std::string temp_path(const char* name) {
    return (std::filesystem::temp_directory_path() / (std::string("hearth_") + name)).string();
}

TEST(MappedFile, MapsContents) {
    const std::string path = temp_path("mapped.bin");
    { std::ofstream(path, std::ios::binary) << "hello"; }
    auto file = MappedFile::open(path);
    ASSERT_TRUE(file.ok()) << file.error().message;
    ASSERT_EQ(file->size(), 5u);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(file->data()), 5), "hello");
    MappedFile moved = std::move(file).value();
    EXPECT_EQ(moved.size(), 5u);
    moved.prefault(0, moved.size());
    std::remove(path.c_str());
}

TEST(MappedFile, EmptyFileHasNoData) {
    const std::string path = temp_path("empty.bin");
    { std::ofstream out(path); }
    auto file = MappedFile::open(path);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->size(), 0u);
    EXPECT_EQ(file->data(), nullptr);
    std::remove(path.c_str());
}

TEST(MappedFile, MissingFileIsNotFound) {
    auto file = MappedFile::open("/nonexistent/hearth/file.gguf");
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.error().code, Errc::kNotFound);
    EXPECT_NE(file.error().message.find("/nonexistent/hearth/file.gguf"), std::string::npos);
}

TEST(MappedFile, DirectoryIsRefused) {
    auto file = MappedFile::open(std::filesystem::temp_directory_path().string());
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace hearth
