#include "engine/speech/tts_helper_protocol.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace hearth::engine::speech::helper {

bool send_message(int fd, Message type, std::string_view payload) {
    if (payload.size() + sizeof(uint32_t) > kMaxMessageBytes) return false;
    std::string buffer(sizeof(uint32_t) + payload.size(), '\0');
    const auto raw = static_cast<uint32_t>(type);
    std::memcpy(buffer.data(), &raw, sizeof raw);
    if (!payload.empty()) std::memcpy(buffer.data() + sizeof raw, payload.data(), payload.size());
    for (;;) {
        const ssize_t sent = ::send(fd, buffer.data(), buffer.size(), MSG_NOSIGNAL);
        if (sent == static_cast<ssize_t>(buffer.size())) return true;
        if (sent < 0 && errno == EINTR) continue;
        return false;
    }
}

bool recv_message(int fd, Message& type, std::string& payload) {
    payload.resize(kMaxMessageBytes);
    for (;;) {
        const ssize_t got = ::recv(fd, payload.data(), payload.size(), 0);
        if (got < 0 && errno == EINTR) continue;
        if (got < static_cast<ssize_t>(sizeof(uint32_t))) return false;
        uint32_t raw = 0;
        std::memcpy(&raw, payload.data(), sizeof raw);
        if (raw < static_cast<uint32_t>(Message::kVoice) || raw > static_cast<uint32_t>(Message::kDone)) return false;
        type = static_cast<Message>(raw);
        payload.erase(0, sizeof raw);
        payload.resize(static_cast<size_t>(got) - sizeof raw);
        return true;
    }
}

std::string join_fields(const std::vector<std::string_view>& fields) {
    std::string out;
    for (size_t idx = 0; idx < fields.size(); ++idx) {
        if (idx > 0) out.push_back('\0');
        out.append(fields[idx]);
    }
    return out;
}

std::vector<std::string> split_fields(std::string_view payload, size_t count) {
    std::vector<std::string> out;
    while (out.size() + 1 < count) {
        const size_t end = payload.find('\0');
        if (end == std::string_view::npos) return {};
        out.emplace_back(payload.substr(0, end));
        payload.remove_prefix(end + 1);
    }
    out.emplace_back(payload);
    return out;
}

}  // namespace hearth::engine::speech::helper
