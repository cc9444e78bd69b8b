// Fuzzes credential parsing: any header values must be accepted or refused, never crash or read
// out of bounds. The input is lines; a line starting with 'A' is an Authorization value, 'X' an
// x-api-key value (the rest of the line, bytes as they come). Accepted tokens must lie inside
// one of the values and satisfy the token rules; single values must parse the same way alone.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "access/api_key.h"
#include "access/auth_header.h"

namespace {

bool inside(std::string_view part, const std::vector<std::string_view>& values) {
    for (std::string_view value : values)
        if (part.data() >= value.data() && part.data() + part.size() <= value.data() + value.size())
            return true;
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace hearth::access;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> authorization;
    std::vector<std::string_view> x_api_key;
    size_t start = 0;
    while (start < input.size()) {
        size_t end = input.find('\n', start);
        if (end == std::string_view::npos) end = input.size();
        const std::string_view line = input.substr(start, end - start);
        if (!line.empty() && line[0] == 'A') authorization.push_back(line.substr(1));
        if (!line.empty() && line[0] == 'X') x_api_key.push_back(line.substr(1));
        start = end + 1;
    }

    auto parsed = parse_credentials({authorization, x_api_key});
    if (parsed.ok() && parsed->has_value()) {
        const Credential& credential = **parsed;
        if (!is_bearer_token(credential.token) || credential.token.size() > kMaxHeaderToken)
            std::abort();  // an accepted token broke the rules
        const auto& source = credential.source == CredentialSource::kAuthorization ? authorization
                                                                                   : x_api_key;
        if (!inside(credential.token, source)) std::abort();  // a view outside the input
        if (authorization.size() > 1 || x_api_key.size() > 1) std::abort();  // ambiguity accepted
    }
    if (parsed.ok() && !parsed->has_value() && (!authorization.empty() || !x_api_key.empty()))
        std::abort();  // a header was silently ignored
    for (std::string_view value : authorization) {
        auto bearer = parse_bearer(value);
        if (bearer.ok() && (!is_bearer_token(*bearer) || !inside(*bearer, {value}))) std::abort();
    }
    (void)is_well_formed_key(input);
    (void)displayable_prefix(input);
    return 0;
}
