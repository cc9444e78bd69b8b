#include "access/auth_header.h"

namespace hearth::access {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

bool equals_ignoring_case(std::string_view left, std::string_view right) {
    if (left.size() != right.size()) return false;
    for (size_t idx = 0; idx < left.size(); ++idx) {
        char a = left[idx];
        char b = right[idx];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

bool is_scheme_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

Error refuse(std::string_view message) {
    return Error{Errc::kUnauthenticated, std::string(message)};
}

Result<std::string_view> parse_api_key_header(std::string_view value) {
    const std::string_view token = trim(value);
    if (token.empty()) return refuse("the x-api-key header is empty");
    if (!is_bearer_token(token))
        return refuse("the x-api-key header does not hold a well-formed API key");
    return token;
}

}  // namespace

bool is_bearer_token(std::string_view token) {
    if (token.empty() || token.size() > kMaxHeaderToken) return false;
    size_t end = token.size();
    while (end > 0 && token[end - 1] == '=') --end;
    if (end == 0) return false;
    for (size_t idx = 0; idx < end; ++idx) {
        const char c = token[idx];
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' ||
                        c == '+' || c == '/';
        if (!ok) return false;
    }
    return true;
}

Result<std::string_view> parse_bearer(std::string_view authorization) {
    const std::string_view value = trim(authorization);
    if (value.empty()) return refuse("the Authorization header is empty");
    size_t scheme_end = 0;
    while (scheme_end < value.size() && is_scheme_char(value[scheme_end])) ++scheme_end;
    const std::string_view scheme = value.substr(0, scheme_end);
    if (scheme.empty() || (scheme_end < value.size() && !is_space(value[scheme_end])))
        return refuse("the Authorization header is not 'Bearer <API key>'");
    if (!equals_ignoring_case(scheme, "bearer")) {
        if (scheme.size() > 32)
            return refuse("unsupported authorization scheme: use 'Bearer <API key>'");
        return Error::make(Errc::kUnauthenticated,
                           "unsupported authorization scheme '{}': use 'Bearer <API key>'", scheme);
    }
    const std::string_view token = trim(value.substr(scheme_end));
    if (token.empty()) return refuse("the Authorization header has no API key after 'Bearer'");
    if (!is_bearer_token(token))
        return refuse("the Authorization header does not hold a well-formed API key");
    return token;
}

Result<std::optional<Credential>> parse_credentials(const AuthHeaders& headers) {
    if (headers.authorization.size() > 1) return refuse("the Authorization header is repeated");
    if (headers.x_api_key.size() > 1) return refuse("the x-api-key header is repeated");
    std::optional<Credential> from_authorization;
    std::optional<Credential> from_api_key;
    if (!headers.authorization.empty()) {
        HEARTH_ASSIGN_OR_RETURN(std::string_view token, parse_bearer(headers.authorization[0]));
        from_authorization = Credential{token, CredentialSource::kAuthorization};
    }
    if (!headers.x_api_key.empty()) {
        HEARTH_ASSIGN_OR_RETURN(std::string_view token, parse_api_key_header(headers.x_api_key[0]));
        from_api_key = Credential{token, CredentialSource::kApiKeyHeader};
    }
    if (from_authorization && from_api_key && from_authorization->token != from_api_key->token)
        return refuse("the Authorization and x-api-key headers hold different keys");
    if (from_authorization) return from_authorization;
    return from_api_key;
}

}  // namespace hearth::access
