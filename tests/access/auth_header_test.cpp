// Credentials from Authorization and x-api-key headers.
#include <gtest/gtest.h>

#include <vector>

#include "access/auth_header.h"

namespace hearth::access {
namespace {

constexpr std::string_view kKey = "hk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd";

Result<std::optional<Credential>> parse(std::vector<std::string_view> authorization,
                                        std::vector<std::string_view> x_api_key = {}) {
    return parse_credentials({authorization, x_api_key});
}

std::string refusal(std::vector<std::string_view> authorization,
                    std::vector<std::string_view> x_api_key = {}) {
    auto result = parse(std::move(authorization), std::move(x_api_key));
    if (result.ok()) return "(accepted)";
    EXPECT_EQ(result.error().code, Errc::kUnauthenticated);
    return result.error().message;
}

TEST(AuthHeader, NoHeadersIsAnonymous) {
    auto result = parse({});
    ASSERT_TRUE(result.ok());
    EXPECT_FALSE(result->has_value());
}

TEST(AuthHeader, BearerInAnyCaseWithSurroundingSpace) {
    const std::string keyed(kKey);
    for (const std::string& value : {"Bearer " + keyed, "bearer " + keyed, "BEARER " + keyed,
                                     "Bearer \t  " + keyed + " \t", "  Bearer " + keyed}) {
        auto result = parse({value});
        ASSERT_TRUE(result.ok()) << value << ": " << result.error().message;
        ASSERT_TRUE(result->has_value());
        EXPECT_EQ((*result)->token, kKey);
        EXPECT_EQ((*result)->source, CredentialSource::kAuthorization);
    }
}

TEST(AuthHeader, ApiKeyHeader) {
    auto result = parse({}, {kKey});
    ASSERT_TRUE(result.ok());
    ASSERT_TRUE(result->has_value());
    EXPECT_EQ((*result)->token, kKey);
    EXPECT_EQ((*result)->source, CredentialSource::kApiKeyHeader);
    // Both headers with the same key are fine (some clients send both).
    const std::string bearer = "Bearer " + std::string(kKey);
    auto both = parse({bearer}, {kKey});
    ASSERT_TRUE(both.ok());
    EXPECT_EQ((*both)->token, kKey);
}

TEST(AuthHeader, TheTokenViewsIntoTheHeader) {
    const std::string value = "Bearer " + std::string(kKey);
    auto result = parse({value});
    ASSERT_TRUE(result.ok() && result->has_value());
    EXPECT_EQ((*result)->token.data(), value.data() + 7);
}

TEST(AuthHeader, OtherSchemesAreRefusedByName) {
    EXPECT_EQ(refusal({"Basic dXNlcjpwYXNz"}),
              "unsupported authorization scheme 'Basic': use 'Bearer <API key>'");
    EXPECT_NE(refusal({"Digest username=x"}).find("'Digest'"), std::string::npos);
    // A long scheme is not echoed back.
    EXPECT_EQ(refusal({std::string(100, 'X') + " token"}).find("XXXX"), std::string::npos);
}

TEST(AuthHeader, MalformedValuesAreRefused) {
    const std::string key(kKey);
    for (const std::string& value : std::vector<std::string>{
             std::string(""), std::string("   "), std::string("Bearer"), std::string("Bearer   "),
             "Bearer" + key, "Bearer:" + key, "Bearer " + key + " extra", "Bearer \"" + key + "\"",
             "Bearer " + key + ",", "Bearer " + key + "\r\nX-Injected: 1", "Bearer " + key + "\n",
             "Bearer " + std::string("abc\0def", 7), "Bearer " + std::string(513, 'a'),
             "Bearer ====", "Bearer ab=cd", "Bearer caf\xc3\xa9", "\xff\xfe"}) {
        auto result = parse({value});
        EXPECT_FALSE(result.ok()) << "accepted: " << value;
        if (!result.ok()) {
            EXPECT_EQ(result.error().code, Errc::kUnauthenticated);
        }
    }
    EXPECT_TRUE(parse({"Bearer " + std::string(512, 'a')}).ok());  // the longest token
}

TEST(AuthHeader, AmbiguityIsRefused) {
    const std::string bearer = "Bearer " + std::string(kKey);
    EXPECT_EQ(refusal({bearer, bearer}), "the Authorization header is repeated");
    EXPECT_EQ(refusal({}, {kKey, kKey}), "the x-api-key header is repeated");
    EXPECT_EQ(refusal({bearer}, {"hk-some-other-key-of-enough-length"}),
              "the Authorization and x-api-key headers hold different keys");
    EXPECT_EQ(refusal({}, {""}), "the x-api-key header is empty");
    EXPECT_EQ(refusal({}, {"not a key"}),
              "the x-api-key header does not hold a well-formed API key");
}

TEST(AuthHeader, BearerTokenAlphabet) {
    EXPECT_TRUE(is_bearer_token("a"));
    EXPECT_TRUE(is_bearer_token("AZaz09-._~+/=="));
    EXPECT_FALSE(is_bearer_token("="));
    EXPECT_FALSE(is_bearer_token("a=b"));
    EXPECT_FALSE(is_bearer_token("a b"));
    EXPECT_FALSE(is_bearer_token(""));
}

}  // namespace
}  // namespace hearth::access
