// Fuzzes the multipart/form-data parser (the transcription endpoint's body): the first line of
// the input is the Content-Type header, the rest the body. Every part it returns must lie inside
// the body; a refusal must carry a message.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/api/multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t newline = input.find('\n');
    const std::string_view header = input.substr(0, newline);
    const std::string_view body = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    auto boundary = hearth::server::api::multipart_boundary(header);
    if (!boundary.ok()) {
        if (boundary.error().message.empty()) std::abort();
        return 0;
    }
    auto parts = hearth::server::api::parse_multipart(body, *boundary);
    if (!parts.ok()) {
        if (parts.error().message.empty()) std::abort();
        return 0;
    }
    if (parts->size() > 64) std::abort();
    for (const auto& part : *parts)
        if (part.data.data() < body.data() || part.data.data() + part.data.size() > body.data() + body.size()) std::abort();
    return 0;
}
