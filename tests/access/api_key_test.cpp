// API key text: generated keys, the shape check, the displayable prefix.
#include <gtest/gtest.h>

#include <set>

#include "access/api_key.h"

namespace hearth::access {
namespace {

TEST(ApiKey, GeneratedKeysHaveThePrefixLengthAndAlphabet) {
    auto key = generate_api_key();
    ASSERT_TRUE(key.ok()) << key.error().message;
    EXPECT_EQ(key->size(), kGeneratedKeyLength);
    EXPECT_TRUE(key->starts_with("hk-"));
    for (char c : key->substr(3))
        EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << *key;
    EXPECT_TRUE(is_well_formed_key(*key));
}

TEST(ApiKey, GeneratedKeysDoNotRepeat) {
    std::set<std::string> seen;
    for (int idx = 0; idx < 1000; ++idx) seen.insert(generate_api_key().value());
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(ApiKey, WellFormedMeansABearerTokenOfBoundedLength) {
    EXPECT_TRUE(is_well_formed_key("abcdefghijklmnopqrst"));  // 20, the minimum
    EXPECT_FALSE(is_well_formed_key("abcdefghijklmnopqrs"));  // 19
    EXPECT_TRUE(is_well_formed_key(std::string(256, 'a')));
    EXPECT_FALSE(is_well_formed_key(std::string(257, 'a')));
    EXPECT_TRUE(is_well_formed_key("Az09-._~+/Az09-._~+/=="));
    EXPECT_FALSE(is_well_formed_key("abcdefghij=klmnopqrstu"));  // '=' only at the end
    EXPECT_FALSE(is_well_formed_key("===================="));
    EXPECT_FALSE(is_well_formed_key("abcdefghij klmnopqrst"));
    EXPECT_FALSE(is_well_formed_key("abcdefghij\nklmnopqrst"));
    EXPECT_FALSE(is_well_formed_key(std::string("abcdefghij\0klmnopqrst", 21)));
    EXPECT_FALSE(is_well_formed_key("abcdefghij\"klmnopqrst"));
    EXPECT_FALSE(is_well_formed_key("abcdefghij\xc3\xa9klmnopqrst"));
    EXPECT_FALSE(is_well_formed_key(""));
}

TEST(ApiKey, OnlyGeneratedKeysShowAPrefix) {
    const std::string key = generate_api_key().value();
    EXPECT_EQ(displayable_prefix(key), key.substr(0, 10));
    EXPECT_EQ(displayable_prefix("an-operator-chosen-key-123"), "");
    EXPECT_EQ(displayable_prefix(key.substr(0, 45)), "");             // wrong length
    EXPECT_EQ(displayable_prefix("hk-" + std::string(43, '+')), "");  // not base64url
}

}  // namespace
}  // namespace hearth::access
