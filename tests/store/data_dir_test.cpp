// The data folder: XDG rules for the default, creation with mode 0700.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "store/data_dir.h"
#include "tests/util/process.h"

namespace hearth::store {
namespace {

// Sets an environment variable for one test and restores it after.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value != nullptr) {
            ::setenv(name, value, 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~ScopedEnv() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }

  private:
    const char* name_;
    std::optional<std::string> old_;
};

TEST(DataDir, DefaultFollowsXdgThenHome) {
    {
        ScopedEnv xdg("XDG_DATA_HOME", "/xdg/data");
        ScopedEnv home("HOME", "/home/someone");
        EXPECT_EQ(default_data_dir().value_or(""), "/xdg/data/hearth");
    }
    {
        ScopedEnv xdg("XDG_DATA_HOME", "relative/is/ignored");
        ScopedEnv home("HOME", "/home/someone");
        EXPECT_EQ(default_data_dir().value_or(""), "/home/someone/.local/share/hearth");
    }
    {
        ScopedEnv xdg("XDG_DATA_HOME", nullptr);
        ScopedEnv home("HOME", nullptr);
        auto none = default_data_dir();
        ASSERT_FALSE(none.ok());
        EXPECT_EQ(none.error().code, Errc::kNotFound);
    }
}

TEST(DataDir, PrepareCreatesAPrivateFolder) {
    test::TempDir dir;
    const auto wanted = dir.path() / "deep" / "state";
    auto made = prepare_data_dir(wanted.string());
    ASSERT_TRUE(made.ok()) << made.error().message;
    EXPECT_EQ(*made, wanted);
    struct stat info {};
    ASSERT_EQ(::stat(wanted.c_str(), &info), 0);
    EXPECT_TRUE(S_ISDIR(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    // An existing folder is used as it is.
    EXPECT_TRUE(prepare_data_dir(wanted.string()).ok());
}

TEST(DataDir, PrepareUsesTheDefaultWhenNoneIsChosen) {
    test::TempDir dir;
    ScopedEnv xdg("XDG_DATA_HOME", dir.path().c_str());
    auto made = prepare_data_dir("");
    ASSERT_TRUE(made.ok()) << made.error().message;
    EXPECT_EQ(*made, dir.path() / "hearth");
    EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "hearth"));
}

TEST(DataDir, AFileInTheWayIsAnError) {
    test::TempDir dir;
    std::ofstream(dir.path() / "file") << "x";
    auto made = prepare_data_dir((dir.path() / "file").string());
    ASSERT_FALSE(made.ok());
    EXPECT_EQ(made.error().code, Errc::kIo);
}

}  // namespace
}  // namespace hearth::store
