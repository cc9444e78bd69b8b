// Versioned schema migrations on real database files.
#include <gtest/gtest.h>

#include <vector>

#include "store/migrations.h"
#include "tests/util/process.h"

namespace hearth::store {
namespace {

const Migration kV1{1, "create notes", "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)"};
const Migration kV2{2, "add notes.author", "ALTER TABLE notes ADD COLUMN author TEXT"};
const Migration kV3{3, "index authors", "CREATE INDEX notes_author ON notes(author)"};

class MigrationsTest : public ::testing::Test {
  protected:
    void SetUp() override { reopen(); }
    void reopen() {
        db_.reset();
        auto db = Database::open(dir_.path() / "m.db");
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(db).value();
    }
    Result<int64_t> run(const std::vector<Migration>& migrations,
                        std::string_view component = "notes") {
        Session session = db_->session();
        return migrate(session, component, migrations, 1000);
    }
    int64_t version(std::string_view component = "notes") {
        Session session = db_->session();
        return schema_version(session, component).value_or(-1);
    }
    bool has_column(const char* column) {
        Session session = db_->session();
        auto stmt =
            session.prepare("SELECT count(*) FROM pragma_table_info('notes') WHERE name = ?1");
        stmt->bind(1, column);
        return stmt->step().value_or(false) && stmt->column_int(0) == 1;
    }

    test::TempDir dir_;
    std::unique_ptr<Database> db_;
};

TEST_F(MigrationsTest, AppliesEachMigrationOnceAndRecordsIt) {
    EXPECT_EQ(version(), 0);
    auto applied = run({kV1, kV2});
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    EXPECT_EQ(*applied, 2);
    EXPECT_EQ(version(), 2);
    EXPECT_TRUE(has_column("author"));
    // Running again (a restart) changes nothing: ALTER TABLE would fail if it ran twice.
    reopen();
    auto again = run({kV1, kV2});
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(*again, 2);

    Session session = db_->session();
    auto rows = session.prepare(
        "SELECT version, name, applied_unix_ms FROM schema_migrations ORDER BY version");
    ASSERT_TRUE(rows->step().value_or(false));
    EXPECT_EQ(rows->column_int(0), 1);
    EXPECT_EQ(rows->column_text(1), "create notes");
    EXPECT_EQ(rows->column_int(2), 1000);
    ASSERT_TRUE(rows->step().value_or(false));
    EXPECT_EQ(rows->column_int(0), 2);
    EXPECT_FALSE(rows->step().value_or(true));
}

TEST_F(MigrationsTest, ANewerBuildAppliesOnlyTheNewMigrations) {
    ASSERT_TRUE(run({kV1}).ok());
    EXPECT_FALSE(has_column("author"));
    {
        Session session = db_->session();
        ASSERT_TRUE(session.exec("INSERT INTO notes(body) VALUES ('kept')").ok());
    }
    auto upgraded = run({kV1, kV2, kV3});
    ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
    EXPECT_EQ(*upgraded, 3);
    EXPECT_TRUE(has_column("author"));
    Session session = db_->session();
    auto count = session.prepare("SELECT count(*) FROM notes");
    ASSERT_TRUE(count->step().value_or(false));
    EXPECT_EQ(count->column_int(0), 1);
}

TEST_F(MigrationsTest, RefusesADatabaseFromANewerBuild) {
    ASSERT_TRUE(run({kV1, kV2, kV3}).ok());
    auto older = run({kV1, kV2});
    ASSERT_FALSE(older.ok());
    EXPECT_EQ(older.error().code, Errc::kFailedPrecondition);
    EXPECT_NE(older.error().message.find("notes schema version 3 is newer than this build"),
              std::string::npos)
        << older.error().message;
}

TEST_F(MigrationsTest, RefusesAHistoryThatDisagreesWithTheCode) {
    ASSERT_TRUE(run({kV1, kV2}).ok());
    const Migration other_v2{2, "something else", "CREATE TABLE other(x)"};
    auto diverged = run({kV1, other_v2});
    ASSERT_FALSE(diverged.ok());
    EXPECT_EQ(diverged.error().code, Errc::kCorrupt);
    EXPECT_NE(diverged.error().message.find("'add notes.author'"), std::string::npos)
        << diverged.error().message;
}

TEST_F(MigrationsTest, AFailingMigrationLeavesThePreviousVersionWhole) {
    ASSERT_TRUE(run({kV1}).ok());
    // Its first statement succeeds, its second fails: neither may stay.
    const Migration broken{2, "broken",
                           "ALTER TABLE notes ADD COLUMN author TEXT; "
                           "CREATE TABLE notes(x)"};
    auto failed = run({kV1, broken});
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().message.find("notes migration 2 ('broken')"), std::string::npos)
        << failed.error().message;
    EXPECT_EQ(version(), 1);
    EXPECT_FALSE(has_column("author"));
    // The fixed migration then applies.
    EXPECT_TRUE(run({kV1, kV2}).ok());
    EXPECT_TRUE(has_column("author"));
}

TEST_F(MigrationsTest, ComponentsHaveTheirOwnVersions) {
    ASSERT_TRUE(run({kV1, kV2}).ok());
    const Migration other{1, "create other", "CREATE TABLE other(x)"};
    auto applied = run({other}, "other");
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    EXPECT_EQ(version("notes"), 2);
    EXPECT_EQ(version("other"), 1);
}

TEST_F(MigrationsTest, AListThatSkipsAVersionIsAProgrammingError) {
    auto bad = run({kV1, kV3});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, Errc::kInternal);
    EXPECT_EQ(version(), 0);  // nothing applied
}

}  // namespace
}  // namespace hearth::store
