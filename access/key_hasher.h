// Keyed hashing of API keys: the database stores BLAKE2b-256(key) keyed with a 32-byte server
// secret (libsodium crypto_generichash), never the key. Someone who copies the database (a
// backup, a shared disk) learns nothing that lets them test guesses offline without also having
// the secret file, which lives beside it with mode 0600.
//
// The secret file is created on first use with 32 bytes from randombytes, written to a temporary
// file and linked into place, so two processes starting together agree on one secret. Losing it
// invalidates every key (they cannot be re-hashed): back it up with the database.
//
// Threads: a KeyHasher is immutable after construction; hash() may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "base/result.h"

namespace hearth::access {

inline constexpr size_t kKeyHashBytes = 32;
inline constexpr size_t kSecretBytes = 32;
using KeyHash = std::array<uint8_t, kKeyHashBytes>;

// Constant-time equality (sodium_memcmp): the time taken does not depend on where they differ.
bool hashes_equal(const KeyHash& left, const KeyHash& right);

class KeyHasher {
  public:
    // Reads the secret at `path`, creating it when missing. kCorrupt when the file is not 32
    // bytes; kPermissionDenied when others may read or write it or it belongs to another user
    // (the message says how to fix it); kIo when it cannot be read or written.
    static Result<KeyHasher> load_or_create(const std::filesystem::path& path);
    static KeyHasher from_secret(std::span<const uint8_t, kSecretBytes> secret);

    KeyHasher(const KeyHasher&) = default;
    KeyHasher& operator=(const KeyHasher&) = default;
    ~KeyHasher();

    KeyHash hash(std::string_view key) const;

  private:
    KeyHasher() = default;
    std::array<uint8_t, kSecretBytes> secret_{};
};

}  // namespace hearth::access
