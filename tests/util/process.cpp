#include "tests/util/process.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <sys/wait.h>

namespace hearth::test {

CommandResult run_command(const std::string& command) {
    CommandResult result;
    std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return result;
    std::array<char, 4096> buffer{};
    size_t n_read;
    while ((n_read = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n_read);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

TempDir::TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("hearth_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1)));
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

}  // namespace hearth::test

namespace hearth::test {

std::string generate_model(const std::string& path, const std::string& args) {
    const CommandResult result = run_command(std::string(kPython) + " " + HEARTH_TEST_SOURCE_DIR +
                                             "/tools/gen_model.py " + path + " " + args);
    return result.exit_code == 0 ? "" : result.output;
}

}  // namespace hearth::test
