// Credentials from request headers: `Authorization: Bearer KEY` (RFC 6750) or `x-api-key: KEY`
// (as Anthropic-style clients send). Parsing reads outside data, so it is strict and bounded:
//
//   - the scheme "Bearer" is matched without regard to case, then one or more spaces or tabs,
//     then the token, then optional spaces or tabs; nothing else may follow;
//   - a token is 1 to kMaxHeaderToken characters of A-Z a-z 0-9 - . _ ~ + / with optional
//     trailing '=' (RFC 6750 b64token); anything else (controls, quotes, commas, bytes >= 0x80) is
//     refused, so a token never carries anything a log or a SQL statement could misread;
//   - another scheme (Basic, Digest ...) is refused with a message naming the one to use;
//   - a header repeated, or both headers with different tokens, is refused: which one would a
//     proxy in front have checked?
//
// A refusal is kUnauthenticated (the HTTP edge answers 401 and counts a failed attempt for the
// client's address). No header at all is not an error: the result is empty (anonymous).
//
// Pure functions: callable from any thread. The returned token views into the header values.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"

namespace hearth::access {

inline constexpr size_t kMaxHeaderToken = 512;

enum class CredentialSource { kAuthorization, kApiKeyHeader };

struct Credential {
    std::string_view token;
    CredentialSource source = CredentialSource::kAuthorization;
};

// Every value of each header as received (usually zero or one each).
struct AuthHeaders {
    std::span<const std::string_view> authorization;
    std::span<const std::string_view> x_api_key;
};

Result<std::optional<Credential>> parse_credentials(const AuthHeaders& headers);

// One Authorization value: the bearer token, or kUnauthenticated.
Result<std::string_view> parse_bearer(std::string_view authorization);

// Whether `token` is a valid b64token of at most kMaxHeaderToken characters.
bool is_bearer_token(std::string_view token);

}  // namespace hearth::access
