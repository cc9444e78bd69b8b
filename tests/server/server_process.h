// A `hearth serve` child process for the tests that drive the real server over sockets: started
// on a free port (read back from its log), killed when the object goes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace hearth::test {

class ServerProcess {
public:
    // Runs `hearth serve --port 0 ARGS`, its output to `log_path`; port() is 0 when it failed.
    ServerProcess(const std::string& args, const std::string& log_path);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }
    std::string log() const;
    // Sends SIGTERM and waits for the exit code (-1 if it did not exit within `wait`).
    int terminate(std::chrono::seconds wait);

private:
    std::string log_path_;
    pid_t pid_ = -1;
    uint16_t port_ = 0;
};

}  // namespace hearth::test
