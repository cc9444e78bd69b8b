// API key text: generation and the shape checks done before a key is hashed and looked up.
//
// A generated key is "hk-" followed by 43 base64url characters (32 random bytes from libsodium's
// randombytes, no padding): 46 characters, recognisable in logs and by secret scanners. Keys
// given by the operator (HEARTH_ADMIN_KEY) may have any form that is a valid bearer token
// (RFC 6750 b64token: letters, digits, - . _ ~ + /, then optional '=' padding) of 20 to 256
// characters.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace hearth::access {

inline constexpr std::string_view kKeyPrefix = "hk-";
inline constexpr size_t kGeneratedKeyLength = 46;
inline constexpr size_t kMinKeyLength = 20;
inline constexpr size_t kMaxKeyLength = 256;

// Initialises libsodium once (thread-safe); kInternal if it cannot (no entropy source).
Status ensure_sodium();

// A new random key; kInternal only if libsodium cannot start.
Result<std::string> generate_api_key();

// Whether `token` is a bearer token (b64token charset) of kMinKeyLength..kMaxKeyLength: what a
// stored key can look like. Says nothing about whether it exists.
bool is_well_formed_key(std::string_view token);

// The part of a key that may be shown (lists, audit): "hk-" and 7 more characters of a generated
// key (42 of its 256 bits), "" for other keys (an operator's key may be short enough that any
// part of it matters).
std::string displayable_prefix(std::string_view key);

}  // namespace hearth::access
