#include "tests/server/server_process.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace hearth::test {

using namespace std::chrono_literals;

ServerProcess::ServerProcess(const std::string& args, const std::string& log_path) : log_path_(log_path) {
    // exec: the pid is hearth's own, so signals reach it rather than the shell.
    const std::string command = "exec " + std::string(HEARTH_BINARY_DIR) + "/bin/hearth serve --port 0 " + args +
                                " > " + log_path + " 2>&1";
    const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
    if (posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) pid_ = -1;
    const std::regex listening(R"(listening on http://[0-9.]+:(\d+))");
    for (int idx = 0; idx < 600 && pid_ > 0; ++idx) {
        std::smatch match;
        const std::string text = log();
        if (std::regex_search(text, match, listening)) {
            port_ = static_cast<uint16_t>(std::stoi(match[1]));
            return;
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(50ms);
    }
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
}

std::string ServerProcess::log() const {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

int ServerProcess::terminate(std::chrono::seconds wait) {
    kill(pid_, SIGTERM);
    for (int idx = 0; idx < wait.count() * 20; ++idx) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        std::this_thread::sleep_for(50ms);
    }
    return -1;
}

}  // namespace hearth::test
