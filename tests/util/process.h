// Runs a command line for tests (model generation, the Python reference, the hearth binary)
// and a scratch directory that removes itself.
#pragma once

#include <filesystem>
#include <string>

namespace hearth::test {

// Debian's own interpreter: the one that has numpy and sentencepiece.
inline constexpr const char* kPython = "/usr/bin/python3";

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

CommandResult run_command(const std::string& command);

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

}  // namespace hearth::test

namespace hearth::test {

// Writes a tiny random model with tools/gen_model.py (extra arguments as on its command line)
// to `path`; returns the generator's output on failure, "" on success.
std::string generate_model(const std::string& path, const std::string& args = "");

}  // namespace hearth::test
