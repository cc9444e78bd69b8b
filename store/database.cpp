#include "store/database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace hearth::store {
namespace {

// Creates the file with mode 0600 before SQLite opens it (SQLite would use 0644 minus umask).
Status create_private_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return Error::make(Errc::kIo, "cannot create database '{}': {}", path.string(),
                           std::strerror(errno));
    ::close(fd);
    return ok_status();
}

// Runs a PRAGMA that answers one text value and returns it.
Result<std::string> pragma_text(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db, rc, sql);
    Statement statement(db, stmt);
    HEARTH_ASSIGN_OR_RETURN(bool row, statement.step());
    if (!row) return std::string();
    return statement.column_text(0);
}

}  // namespace

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path,
                                                 const DatabaseOptions& options) {
    HEARTH_TRY(create_private_file(path));
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;  // our mutex serialises use
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        Error error = sqlite_error(db, rc, "opening database '" + path.string() + "'");
        sqlite3_close(db);
        return error;
    }
    std::unique_ptr<Database> database(new Database(path, db));
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, options.busy_timeout_ms);
    // Defensive mode: no writable_schema tricks or direct shadow-table writes can corrupt the file.
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);

    auto mode = pragma_text(db, "PRAGMA journal_mode=WAL");
    if (!mode.ok()) return mode.error().wrap("opening database '{}'", path.string());
    if (*mode != "wal")
        return Error::make(Errc::kUnsupported,
                           "database '{}': cannot use write-ahead logging (journal mode stays "
                           "'{}'); put the data folder on a local file system",
                           path.string(), *mode);
    const char* synchronous = options.durability == Durability::kFull ? "FULL" : "NORMAL";
    Session session = database->session();
    HEARTH_TRY(session.exec(std::string("PRAGMA synchronous=") + synchronous +
                            "; PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;"));
    return database;
}

Database::~Database() {
    // Closing the last connection checkpoints the WAL into the main file and removes it.
    if (db_ != nullptr) sqlite3_close_v2(db_);
}

Session Database::session() {
    return Session(std::unique_lock<std::mutex>(mutex_), db_);
}

Status Session::exec(std::string_view sql) {
    char* message = nullptr;
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return ok_status();
    Error error = Error::make(errc_from_sqlite(rc), "running '{}': {} (sqlite code {})", text,
                              message != nullptr ? message : sqlite3_errstr(rc), rc);
    sqlite3_free(message);
    return error;
}

Result<Statement> Session::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, "preparing '" + std::string(sql) + "'");
    return Statement(db_, stmt);
}

Status Session::transaction(FunctionRef<Status()> body) {
    assert(sqlite3_get_autocommit(db_) != 0 && "transactions do not nest");
    HEARTH_TRY(exec("BEGIN IMMEDIATE"));
    Status status = body();
    if (status.ok()) status = exec("COMMIT");
    if (!status.ok() && sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK");
    return status;
}

int64_t Session::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

int64_t Session::changes() const {
    return sqlite3_changes64(db_);
}

}  // namespace hearth::store
