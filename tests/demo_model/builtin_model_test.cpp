// Where `hearth run` (and `hearth serve`) look for the built-in model when none is named.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "apps/hearth/builtin_model.h"

namespace hearth::cli {
namespace {

// Sets or unsets HEARTH_BUILTIN_MODEL for one test and restores it afterwards.
class BuiltinModelTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* value = std::getenv(kBuiltinModelEnv)) saved_ = value;
        ::unsetenv(kBuiltinModelEnv);
    }
    void TearDown() override {
        if (saved_) ::setenv(kBuiltinModelEnv, saved_->c_str(), 1);
        else ::unsetenv(kBuiltinModelEnv);
    }
    std::optional<std::string> saved_;
};

TEST_F(BuiltinModelTest, DefaultsToTheRepositoryModel) {
    const std::string location = builtin_model_location();
    EXPECT_TRUE(location.ends_with("/models/fortune-teller.gguf")) << location;
    EXPECT_EQ(kBuiltinModelId, "fortune-teller");
}

TEST_F(BuiltinModelTest, EnvironmentVariableWins) {
    const std::filesystem::path file = std::filesystem::temp_directory_path() / "hearth_builtin_test.gguf";
    std::ofstream(file) << "x";
    ::setenv(kBuiltinModelEnv, file.c_str(), 1);
    EXPECT_EQ(builtin_model_location(), file.string());
    auto path = builtin_model_path();
    ASSERT_TRUE(path.ok()) << path.error().message;
    EXPECT_EQ(*path, file.string());
    std::filesystem::remove(file);
}

TEST_F(BuiltinModelTest, EmptyVariableIsIgnored) {
    ::setenv(kBuiltinModelEnv, "", 1);
    EXPECT_TRUE(builtin_model_location().ends_with("/models/fortune-teller.gguf"));
}

TEST_F(BuiltinModelTest, MissingFileIsAClearError) {
    ::setenv(kBuiltinModelEnv, "/nonexistent/model.gguf", 1);
    auto path = builtin_model_path();
    ASSERT_FALSE(path.ok());
    EXPECT_EQ(path.error().code, Errc::kNotFound);
    EXPECT_NE(path.error().message.find("/nonexistent/model.gguf"), std::string::npos) << path.error().message;
    EXPECT_NE(path.error().message.find(kBuiltinModelEnv), std::string::npos) << path.error().message;
}

}  // namespace
}  // namespace hearth::cli
