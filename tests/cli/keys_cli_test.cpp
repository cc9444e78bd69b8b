// `hearth keys`, run as a user would: the real binary against a temporary data folder, checked
// through the access layer reading the same folder.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>

#include "access/audit_log.h"
#include "access/key_store.h"
#include "access/schema.h"
#include "tests/util/process.h"

namespace hearth {
namespace {

class KeysCliTest : public ::testing::Test {
protected:
    // stdout only (stderr dropped), stderr only, or both.
    test::CommandResult hearth_stdout(const std::string& args) {
        // run_command adds 2>&1 after the command: the subshell keeps stderr away from it.
        std::string command = binary() + " " + args + " --data-dir " + data_dir();
        return test::run_command(std::string("(").append(command).append(" 2>/dev/null)"));
    }
    test::CommandResult hearth(const std::string& args) {
        return test::run_command(binary() + " " + args + " --data-dir " + data_dir());
    }
    static std::string binary() { return std::string(HEARTH_BINARY_DIR) + "/bin/hearth"; }
    std::string data_dir() const { return (dir_.path() / "state").string(); }

    std::unique_ptr<access::KeyStore> open_store() {
        auto db = access::open_access_database(data_dir(), clock_);
        EXPECT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(db).value();
        auto hasher = access::KeyHasher::load_or_create(access::key_secret_path(data_dir()));
        EXPECT_TRUE(hasher.ok()) << hasher.error().message;
        auto keys = access::KeyStore::open(*db_, std::move(hasher).value(), clock_);
        EXPECT_TRUE(keys.ok());
        return std::move(keys).value();
    }

    test::TempDir dir_;
    access::SystemClock clock_;
    std::unique_ptr<store::Database> db_;
};

TEST_F(KeysCliTest, CreatePrintsTheKeyAloneOnStdoutAndItWorks) {
    auto created = hearth_stdout("keys create --name alice --role operator --rpm 60 --tpm 5000 "
                                 "--max-concurrent 2 --expires 30d");
    ASSERT_EQ(created.exit_code, 0) << created.output;
    ASSERT_TRUE(std::regex_match(created.output, std::regex(R"(hk-[A-Za-z0-9_-]{43}\n)")))
        << created.output;
    const std::string key = created.output.substr(0, created.output.size() - 1);

    auto keys = open_store();
    auto principal = keys->verify(key);
    ASSERT_TRUE(principal.ok()) << principal.error().message;
    EXPECT_EQ(principal->name, "alice");
    EXPECT_EQ(principal->role, access::Role::kOperator);
    EXPECT_EQ(principal->limits, (access::KeyLimits{60, 5000, 2}));
    auto records = keys->list();
    ASSERT_EQ(records->size(), 1u);
    ASSERT_TRUE((*records)[0].expires_unix_ms.has_value());
    const int64_t in_30_days = clock_.unix_ms() + 30LL * 86'400'000;
    EXPECT_NEAR(static_cast<double>(*(*records)[0].expires_unix_ms), in_30_days, 60'000.0);

    // The audit log names the local user.
    access::AuditLog log(*db_, clock_);
    auto rows = log.query({.action = "keys.create"});
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_TRUE((*rows)[0].event.actor.starts_with("cli:")) << (*rows)[0].event.actor;
    EXPECT_EQ((*rows)[0].event.client, "cli");
}

TEST_F(KeysCliTest, CreateExplainsOnStderr) {
    auto created = hearth("keys create --name bob --role guest");
    ASSERT_EQ(created.exit_code, 0) << created.output;
    EXPECT_NE(created.output.find("created key 1 'bob': role guest, rpm -, tpm -, max concurrent "
                                  "-, expires never"),
              std::string::npos)
        << created.output;
    EXPECT_NE(created.output.find("only time the key is shown"), std::string::npos);
}

TEST_F(KeysCliTest, StateIsPrivate) {
    ASSERT_EQ(hearth("keys create --name alice --role user").exit_code, 0);
    struct stat info {};
    ASSERT_EQ(::stat(data_dir().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    ASSERT_EQ(::stat((dir_.path() / "state" / "hearth.db").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((dir_.path() / "state" / "key-secret").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(KeysCliTest, ListShowsKeysButNeverTheirValues) {
    const std::string key = hearth_stdout("keys create --name alice --role user --rpm 10").output;
    ASSERT_EQ(hearth("keys create --name bob --role admin").exit_code, 0);
    auto listed = hearth("keys list");
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    EXPECT_TRUE(std::regex_search(listed.output, std::regex(R"(\n +1  alice +user +10 +- +- )")))
        << listed.output;
    EXPECT_TRUE(std::regex_search(listed.output, std::regex(R"(\n +2  bob +admin )")))
        << listed.output;
    EXPECT_NE(listed.output.find(key.substr(0, 10) + "..."), std::string::npos);  // the prefix
    EXPECT_EQ(listed.output.find(key.substr(10, 20)), std::string::npos);        // not the rest
}

TEST_F(KeysCliTest, RevokeByNameOrIdAndListAll) {
    const std::string alice = hearth_stdout("keys create --name alice --role user").output;
    ASSERT_EQ(hearth("keys create --name bob --role user").exit_code, 0);
    auto by_name = hearth("keys revoke alice");
    ASSERT_EQ(by_name.exit_code, 0) << by_name.output;
    EXPECT_EQ(by_name.output, "revoked key 1 'alice'\n");
    auto by_id = hearth("keys revoke 2");
    ASSERT_EQ(by_id.exit_code, 0) << by_id.output;
    EXPECT_EQ(by_id.output, "revoked key 2 'bob'\n");

    EXPECT_NE(hearth("keys list").output.find("no active API keys"), std::string::npos);
    auto all = hearth("keys list --all");
    EXPECT_NE(all.output.find("REVOKED"), std::string::npos) << all.output;
    EXPECT_NE(all.output.find("alice"), std::string::npos);
    auto keys = open_store();
    EXPECT_FALSE(keys->verify(alice.substr(0, alice.size() - 1)).ok());
}

TEST_F(KeysCliTest, MistakesAreClearErrors) {
    ASSERT_EQ(hearth("keys create --name alice --role user").exit_code, 0);
    auto duplicate = hearth("keys create --name alice --role admin");
    EXPECT_EQ(duplicate.exit_code, 1);
    EXPECT_NE(duplicate.output.find("error: an active key is already named 'alice'"),
              std::string::npos)
        << duplicate.output;

    auto bad_role = hearth("keys create --name x --role root");
    EXPECT_NE(bad_role.exit_code, 0);
    EXPECT_NE(bad_role.output.find("--role"), std::string::npos) << bad_role.output;

    auto bad_expiry = hearth("keys create --name x --role user --expires yesterday");
    EXPECT_EQ(bad_expiry.exit_code, 1);
    EXPECT_NE(bad_expiry.output.find("expiry 'yesterday' is not a date"), std::string::npos)
        << bad_expiry.output;

    auto bad_rpm = hearth("keys create --name x --role user --rpm -5");
    EXPECT_EQ(bad_rpm.exit_code, 1);
    EXPECT_NE(bad_rpm.output.find("rpm must be between 0"), std::string::npos) << bad_rpm.output;

    auto missing = hearth("keys revoke nobody");
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("no active API key is named 'nobody'"), std::string::npos);

    auto no_name = hearth("keys create --role user");
    EXPECT_NE(no_name.exit_code, 0);
    EXPECT_NE(no_name.output.find("--name"), std::string::npos) << no_name.output;
}

TEST_F(KeysCliTest, DefaultDataDirFollowsXdg) {
    const std::string xdg = (dir_.path() / "xdg").string();
    auto created = test::run_command("XDG_DATA_HOME=" + xdg + " " + binary() +
                                     " keys create --name alice --role user 2>&1");
    ASSERT_EQ(created.exit_code, 0) << created.output;
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "xdg" / "hearth" / "hearth.db"));
    auto listed = test::run_command("XDG_DATA_HOME=" + xdg + " " + binary() + " keys list 2>&1");
    EXPECT_NE(listed.output.find("alice"), std::string::npos) << listed.output;
}

TEST_F(KeysCliTest, AnUnusableDataDirIsAClearError) {
    auto refused = test::run_command(binary() + " keys list --data-dir /proc/hearth-cannot 2>&1");
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.output.find("error: cannot create data folder '/proc/hearth-cannot'"),
              std::string::npos)
        << refused.output;
}

}  // namespace
}  // namespace hearth
