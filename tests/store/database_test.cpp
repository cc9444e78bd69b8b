// store::Database and Statement on real SQLite files in temporary folders.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>
#include <vector>

#include "store/database.h"
#include "tests/util/process.h"

namespace hearth::store {
namespace {

std::unique_ptr<Database> open_or_die(const std::filesystem::path& path,
                                      const DatabaseOptions& options = {}) {
    auto db = Database::open(path, options);
    EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
    return db.ok() ? std::move(db).value() : nullptr;
}

std::string pragma(Session& session, const char* sql) {
    auto stmt = session.prepare(sql);
    EXPECT_TRUE(stmt.ok());
    auto row = stmt->step();
    EXPECT_TRUE(row.ok() && *row);
    return stmt->column_text(0);
}

int64_t count_rows(Session& session, const char* table) {
    auto stmt = session.prepare(std::string("SELECT count(*) FROM ") + table);
    EXPECT_TRUE(stmt.ok());
    EXPECT_TRUE(stmt->step().value_or(false));
    return stmt->column_int(0);
}

TEST(Database, OpensInWalModeWithPrivatePermissions) {
    test::TempDir dir;
    auto db = open_or_die(dir.path() / "a.db");
    ASSERT_NE(db, nullptr);
    Session session = db->session();
    EXPECT_EQ(pragma(session, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(pragma(session, "PRAGMA synchronous"), "2");  // FULL
    EXPECT_EQ(pragma(session, "PRAGMA foreign_keys"), "1");
    struct stat info {};
    ASSERT_EQ(::stat((dir.path() / "a.db").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    // The WAL file SQLite creates beside it takes the same mode.
    ASSERT_TRUE(session.exec("CREATE TABLE t(x)").ok());
    ASSERT_EQ(::stat((dir.path() / "a.db-wal").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(Database, NormalDurabilityIsSynchronousNormal) {
    test::TempDir dir;
    auto db = open_or_die(dir.path() / "a.db", {.durability = Durability::kNormal});
    ASSERT_NE(db, nullptr);
    Session session = db->session();
    EXPECT_EQ(pragma(session, "PRAGMA synchronous"), "1");  // NORMAL
}

TEST(Database, RefusesAFileThatIsNotADatabase) {
    test::TempDir dir;
    const auto path = dir.path() / "junk.db";
    std::ofstream(path) << std::string(4096, 'x');
    auto db = Database::open(path);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.error().code, Errc::kCorrupt) << db.error().message;
    EXPECT_NE(db.error().message.find("junk.db"), std::string::npos) << db.error().message;
}

TEST(Database, MissingFolderIsAnIoError) {
    auto db = Database::open("/nonexistent-hearth-folder/a.db");
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.error().code, Errc::kIo);
    EXPECT_NE(db.error().message.find("/nonexistent-hearth-folder/a.db"), std::string::npos);
}

TEST(Database, StatementsBindAndReadEveryType) {
    test::TempDir dir;
    auto db = open_or_die(dir.path() / "a.db");
    Session session = db->session();
    ASSERT_TRUE(session.exec("CREATE TABLE t(i INTEGER, s TEXT, b BLOB, n INTEGER)").ok());
    auto insert = session.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)");
    ASSERT_TRUE(insert.ok()) << insert.error().message;
    const std::vector<uint8_t> blob = {0, 1, 2, 255};
    const std::string text("nul\0inside", 10);
    insert->bind(1, int64_t{-7}).bind(2, text).bind_blob(3, blob).bind(4, std::optional<int64_t>());
    ASSERT_TRUE(insert->run().ok());
    EXPECT_EQ(session.last_insert_rowid(), 1);
    EXPECT_EQ(session.changes(), 1);
    insert->reset();
    insert->bind(1, int64_t{1} << 62)
        .bind(2, "")
        .bind_blob(3, {})
        .bind(4, std::optional<int64_t>(5));
    ASSERT_TRUE(insert->run().ok());

    auto select = session.prepare("SELECT i, s, b, n FROM t ORDER BY rowid");
    ASSERT_TRUE(select.ok());
    ASSERT_TRUE(select->step().value_or(false));
    EXPECT_EQ(select->column_count(), 4);
    EXPECT_EQ(select->column_int(0), -7);
    EXPECT_EQ(select->column_text(1), text);
    EXPECT_EQ(select->column_blob(2), blob);
    EXPECT_TRUE(select->column_is_null(3));
    EXPECT_EQ(select->column_optional_int(3), std::nullopt);
    ASSERT_TRUE(select->step().value_or(false));
    EXPECT_EQ(select->column_int(0), int64_t{1} << 62);
    EXPECT_EQ(select->column_text(1), "");
    EXPECT_EQ(select->column_optional_int(3), std::optional<int64_t>(5));
    auto done = select->step();
    ASSERT_TRUE(done.ok());
    EXPECT_FALSE(*done);
}

TEST(Database, ErrorsCarryCodesAndMessages) {
    test::TempDir dir;
    auto db = open_or_die(dir.path() / "a.db");
    Session session = db->session();
    auto bad_sql = session.prepare("SELEC 1");
    ASSERT_FALSE(bad_sql.ok());
    EXPECT_NE(bad_sql.error().message.find("SELEC 1"), std::string::npos);

    ASSERT_TRUE(session.exec("CREATE TABLE u(name TEXT UNIQUE)").ok());
    ASSERT_TRUE(session.exec("INSERT INTO u VALUES ('a')").ok());
    auto dup = session.prepare("INSERT INTO u VALUES (?1)");
    ASSERT_TRUE(dup.ok());
    Status status = dup->bind(1, "a").run();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, Errc::kAlreadyExists) << status.error().message;

    // A bind to a parameter that does not exist surfaces at step().
    auto select = session.prepare("SELECT ?1");
    ASSERT_TRUE(select.ok());
    select->bind(2, int64_t{1});
    auto row = select->step();
    ASSERT_FALSE(row.ok());
    EXPECT_EQ(row.error().code, Errc::kInvalidArgument) << row.error().message;

    auto returns_row = session.prepare("SELECT 1");
    ASSERT_TRUE(returns_row.ok());
    EXPECT_FALSE(returns_row->run().ok());
}

TEST(Database, TransactionsCommitOrRollBackWhole) {
    test::TempDir dir;
    auto db = open_or_die(dir.path() / "a.db");
    Session session = db->session();
    ASSERT_TRUE(session.exec("CREATE TABLE t(x)").ok());
    Status committed = session.transaction([&]() -> Status {
        HEARTH_TRY(session.exec("INSERT INTO t VALUES (1)"));
        return session.exec("INSERT INTO t VALUES (2)");
    });
    ASSERT_TRUE(committed.ok());
    EXPECT_EQ(count_rows(session, "t"), 2);

    Status failed = session.transaction([&]() -> Status {
        HEARTH_TRY(session.exec("INSERT INTO t VALUES (3)"));
        return Error::make(Errc::kInvalidArgument, "changed my mind");
    });
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().message, "changed my mind");
    EXPECT_EQ(count_rows(session, "t"), 2);

    // A failing statement inside rolls back the rows before it.
    Status broken = session.transaction([&]() -> Status {
        HEARTH_TRY(session.exec("INSERT INTO t VALUES (4)"));
        return session.exec("INSERT INTO missing VALUES (5)");
    });
    EXPECT_FALSE(broken.ok());
    EXPECT_EQ(count_rows(session, "t"), 2);
}

TEST(Database, DataSurvivesReopen) {
    test::TempDir dir;
    {
        auto db = open_or_die(dir.path() / "a.db");
        Session session = db->session();
        ASSERT_TRUE(session.exec("CREATE TABLE t(x); INSERT INTO t VALUES (42);").ok());
    }
    auto db = open_or_die(dir.path() / "a.db");
    Session session = db->session();
    EXPECT_EQ(count_rows(session, "t"), 1);
}

TEST(Database, LockedBySomeoneElseIsUnavailableAfterTheBusyTimeout) {
    test::TempDir dir;
    auto holder = open_or_die(dir.path() / "a.db");
    auto waiter = open_or_die(dir.path() / "a.db", {.busy_timeout_ms = 50});
    Session held = holder->session();
    ASSERT_TRUE(held.exec("CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);").ok());
    Session waiting = waiter->session();
    // Readers are not blocked by the writer (WAL): they see the last commit.
    EXPECT_EQ(count_rows(waiting, "t"), 0);
    Status status = waiting.transaction([&] { return waiting.exec("INSERT INTO t VALUES (2)"); });
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, Errc::kUnavailable) << status.error().message;
    ASSERT_TRUE(held.exec("COMMIT").ok());
    EXPECT_TRUE(waiting.transaction([&] { return waiting.exec("INSERT INTO t VALUES (2)"); }).ok());
    EXPECT_EQ(count_rows(waiting, "t"), 2);
}

TEST(Database, SessionsFromManyThreadsTakeTurns) {
    test::TempDir dir;
    auto db = open_or_die(dir.path() / "a.db");
    ASSERT_TRUE(db->session().exec("CREATE TABLE t(thread INTEGER, n INTEGER)").ok());
    constexpr int kThreads = 4;
    constexpr int kRowsEach = 50;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
        threads.emplace_back([&, thread_idx] {
            for (int row = 0; row < kRowsEach; ++row) {
                Session session = db->session();
                Status status = session.transaction([&]() -> Status {
                    HEARTH_ASSIGN_OR_RETURN(auto insert,
                                            session.prepare("INSERT INTO t VALUES (?1, ?2)"));
                    return insert.bind(1, int64_t{thread_idx}).bind(2, int64_t{row}).run();
                });
                if (!status.ok()) failures.fetch_add(1);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    Session session = db->session();
    EXPECT_EQ(count_rows(session, "t"), kThreads * kRowsEach);
}

}  // namespace
}  // namespace hearth::store
