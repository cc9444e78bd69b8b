// A SQLite database file: one connection in WAL mode, and the sessions that use it.
//
//   HEARTH_ASSIGN_OR_RETURN(auto db, store::Database::open(dir / "hearth.db"));
//   store::Session session = db->session();          // holds the connection until destroyed
//   HEARTH_TRY(session.transaction([&]() -> Status {
//       HEARTH_ASSIGN_OR_RETURN(auto insert, session.prepare("INSERT INTO t(x) VALUES (?1)"));
//       return insert.bind(1, int64_t{42}).run();
//   }));
//
// Durability. The journal is a write-ahead log (journal_mode=WAL): a commit appends the
// transaction's pages and a commit record to the -wal file with write(2) before COMMIT returns;
// readers never block the writer. What a crash can lose depends on `synchronous`:
//   - kNormal: the WAL is fsynced only at checkpoints. A commit has reached the OS once COMMIT
//     returns, so killing the process (kill -9, a crash, an abort) loses no committed
//     transaction; a power cut or kernel crash may lose the last commits (never corrupts).
//   - kFull (default): the WAL is also fsynced at every commit, so committed rows survive power
//     loss and kernel crashes too, at the price of one fsync per commit.
// Hearth's databases hold API keys and the audit log: few writes, each one worth keeping, so
// kFull is the default; kNormal is there for write-heavy uses (experiment records) that accept
// losing the last commits on a power cut. tests/access/audit_log_test.cpp kills -9 a writer
// under both settings and checks that every commit it reported is present.
//
// The file is created with mode 0600 (SQLite gives the -wal and -shm files the same mode): it
// holds key hashes and audit rows. Other processes may open the same file at the same time (the
// CLI while the server runs); a writer that finds the database locked retries for
// busy_timeout_ms, then fails with kUnavailable.
//
// Threads: a Database may be shared by any number of threads. Each Session holds the
// connection's mutex for its whole life, so sessions of one Database run one at a time, in
// whatever thread takes them; keep them short. For parallel readers open several Database objects
// on the same file (WAL lets them read beside one writer).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string_view>

#include "base/function_ref.h"
#include "base/result.h"
#include "store/statement.h"

struct sqlite3;

namespace hearth::store {

enum class Durability { kNormal, kFull };

struct DatabaseOptions {
    Durability durability = Durability::kFull;
    int busy_timeout_ms = 5000;
};

class Session;

class Database {
  public:
    // Opens (creating with mode 0600 if needed) the database at `path`; its folder must exist.
    // kCorrupt when the file is not a SQLite database, kUnsupported when WAL cannot be enabled
    // (some network file systems), kIo when the file cannot be opened.
    static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path,
                                                  const DatabaseOptions& options = {});
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Waits until no other session of this Database is alive, then holds the connection.
    Session session();
    const std::filesystem::path& path() const { return path_; }

  private:
    Database(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}

    std::filesystem::path path_;
    sqlite3* db_ = nullptr;
    std::mutex mutex_;
};

class Session {
  public:
    Session(Session&&) = default;
    Session& operator=(Session&&) = default;

    // Runs one or more SQL statements that take no parameters and return no rows to read.
    Status exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);
    // Runs `body` inside BEGIN IMMEDIATE ... COMMIT (the write lock is taken at BEGIN, so a
    // transaction never fails half-way for want of it). An error from `body` or from COMMIT
    // rolls everything back and is returned. Transactions do not nest.
    Status transaction(FunctionRef<Status()> body);

    int64_t last_insert_rowid() const;
    int64_t changes() const;  // rows changed by the last INSERT, UPDATE or DELETE

  private:
    friend class Database;
    Session(std::unique_lock<std::mutex> lock, sqlite3* db) : lock_(std::move(lock)), db_(db) {}

    std::unique_lock<std::mutex> lock_;
    sqlite3* db_ = nullptr;
};

}  // namespace hearth::store
