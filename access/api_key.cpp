#include "access/api_key.h"

#include <sodium.h>

#include <array>

namespace hearth::access {
namespace {

bool is_token_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

bool is_generated_key(std::string_view key) {
    if (key.size() != kGeneratedKeyLength || !key.starts_with(kKeyPrefix)) return false;
    for (char c : key.substr(kKeyPrefix.size()))
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    return true;
}

}  // namespace

Status ensure_sodium() {
    // sodium_init() is itself safe to call from several threads and more than once.
    if (sodium_init() < 0)
        return Error::make(Errc::kInternal, "libsodium cannot start (no entropy source?)");
    return ok_status();
}

Result<std::string> generate_api_key() {
    HEARTH_TRY(ensure_sodium());
    std::array<unsigned char, 32> random{};
    randombytes_buf(random.data(), random.size());
    std::array<char, 64> encoded{};  // 43 characters and the terminator
    sodium_bin2base64(encoded.data(), encoded.size(), random.data(), random.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(random.data(), random.size());
    std::string key = std::string(kKeyPrefix) + encoded.data();
    sodium_memzero(encoded.data(), encoded.size());
    return key;
}

bool is_well_formed_key(std::string_view token) {
    if (token.size() < kMinKeyLength || token.size() > kMaxKeyLength) return false;
    size_t end = token.size();
    while (end > 0 && token[end - 1] == '=') --end;  // padding only at the end
    if (end == 0) return false;
    for (size_t idx = 0; idx < end; ++idx)
        if (!is_token_char(token[idx])) return false;
    return true;
}

std::string displayable_prefix(std::string_view key) {
    if (!is_generated_key(key)) return "";
    return std::string(key.substr(0, kKeyPrefix.size() + 7));
}

}  // namespace hearth::access
