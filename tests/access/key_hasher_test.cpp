// The keyed hash and the secret file it reads.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "access/key_hasher.h"
#include "tests/util/process.h"

namespace hearth::access {
namespace {

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(file), {});
}

TEST(KeyHasher, HashIsKeyedBlake2b256) {
    std::array<uint8_t, kSecretBytes> secret{};
    for (size_t idx = 0; idx < secret.size(); ++idx) secret[idx] = static_cast<uint8_t>(idx);
    const KeyHasher hasher = KeyHasher::from_secret(secret);
    const std::string key = "hk-example-key-for-the-test";
    KeyHash expected{};
    crypto_generichash(expected.data(), expected.size(),
                       reinterpret_cast<const uint8_t*>(key.data()), key.size(), secret.data(),
                       secret.size());
    EXPECT_EQ(hasher.hash(key), expected);
    EXPECT_NE(hasher.hash(key), hasher.hash(key + "x"));

    // Another secret, another hash: the database alone does not let anyone test guesses.
    secret[0] ^= 1;
    EXPECT_NE(KeyHasher::from_secret(secret).hash(key), hasher.hash(key));
}

TEST(KeyHasher, HashesEqualComparesEveryByte) {
    KeyHash left{};
    KeyHash right{};
    EXPECT_TRUE(hashes_equal(left, right));
    right[31] = 1;
    EXPECT_FALSE(hashes_equal(left, right));
    right[31] = 0;
    right[0] = 1;
    EXPECT_FALSE(hashes_equal(left, right));
}

TEST(KeyHasher, CreatesAPrivateSecretOnceAndReadsItBack) {
    test::TempDir dir;
    const auto path = dir.path() / "key-secret";
    auto first = KeyHasher::load_or_create(path);
    ASSERT_TRUE(first.ok()) << first.error().message;
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    EXPECT_EQ(info.st_size, 32);
    const auto bytes = read_bytes(path);
    auto second = KeyHasher::load_or_create(path);
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_EQ(read_bytes(path), bytes);  // not recreated
    EXPECT_EQ(first->hash("some-key-text-here-x"), second->hash("some-key-text-here-x"));
    // Nothing else is left in the folder (the temporary file was removed).
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(KeyHasher, ConcurrentFirstStartsAgreeOnOneSecret) {
    test::TempDir dir;
    const auto path = dir.path() / "key-secret";
    constexpr int kThreads = 8;
    std::vector<std::optional<KeyHash>> hashes(kThreads);
    std::vector<std::thread> threads;
    for (int idx = 0; idx < kThreads; ++idx)
        threads.emplace_back([&, idx] {
            auto hasher = KeyHasher::load_or_create(path);
            if (hasher.ok()) hashes[idx] = hasher->hash("the-same-key-for-all");
        });
    for (auto& thread : threads) thread.join();
    for (int idx = 0; idx < kThreads; ++idx) {
        ASSERT_TRUE(hashes[idx].has_value()) << idx;
        EXPECT_EQ(*hashes[idx], *hashes[0]);
    }
}

TEST(KeyHasher, RefusesASecretOthersCanRead) {
    test::TempDir dir;
    const auto path = dir.path() / "key-secret";
    ASSERT_TRUE(KeyHasher::load_or_create(path).ok());
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    auto refused = KeyHasher::load_or_create(path);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, Errc::kPermissionDenied);
    EXPECT_NE(refused.error().message.find("chmod 600"), std::string::npos)
        << refused.error().message;
}

TEST(KeyHasher, RefusesASecretOfTheWrongSize) {
    test::TempDir dir;
    const auto path = dir.path() / "key-secret";
    {
        std::ofstream file(path, std::ios::binary);
        file << "short";
    }
    ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
    auto refused = KeyHasher::load_or_create(path);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, Errc::kCorrupt);
    EXPECT_NE(refused.error().message.find("holds 5 bytes, not 32"), std::string::npos)
        << refused.error().message;
}

TEST(KeyHasher, RefusesASymlinkedSecret) {
    test::TempDir dir;
    const auto target = dir.path() / "elsewhere";
    ASSERT_TRUE(KeyHasher::load_or_create(target).ok());
    const auto link = dir.path() / "key-secret";
    std::filesystem::create_symlink(target, link);
    auto refused = KeyHasher::load_or_create(link);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, Errc::kIo) << refused.error().message;
}

TEST(KeyHasher, MissingFolderIsAnIoError) {
    auto refused = KeyHasher::load_or_create("/nonexistent-hearth-folder/key-secret");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, Errc::kIo);
}

}  // namespace
}  // namespace hearth::access
