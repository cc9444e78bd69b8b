#include "store/statement.h"

#include <sqlite3.h>

#include <utility>

namespace hearth::store {

Errc errc_from_sqlite(int rc) {
    switch (rc & 0xff) {  // the primary code of an extended one
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return Errc::kUnavailable;
        case SQLITE_CONSTRAINT:
            return Errc::kAlreadyExists;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return Errc::kCorrupt;
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
        case SQLITE_PERM:
            return Errc::kIo;
        case SQLITE_TOOBIG:
        case SQLITE_RANGE:
        case SQLITE_MISMATCH:
            return Errc::kInvalidArgument;
        default:
            return Errc::kInternal;
    }
}

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
    const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return Error::make(errc_from_sqlite(rc), "{}: {} (sqlite code {})", what, message, rc);
}

Statement::~Statement() {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_error_(std::move(other.bind_error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        if (stmt_ != nullptr) sqlite3_finalize(stmt_);
        db_ = std::exchange(other.db_, nullptr);
        stmt_ = std::exchange(other.stmt_, nullptr);
        bind_error_ = std::move(other.bind_error_);
    }
    return *this;
}

void Statement::note_bind(int rc, int idx) {
    if (rc != SQLITE_OK && !bind_error_)
        bind_error_ = sqlite_error(db_, rc, "binding parameter " + std::to_string(idx));
}

Statement& Statement::bind(int idx, int64_t value) {
    note_bind(sqlite3_bind_int64(stmt_, idx, value), idx);
    return *this;
}

Statement& Statement::bind(int idx, std::string_view text) {
    // SQLITE_TRANSIENT: SQLite copies the bytes, so the caller's buffer may go away.
    note_bind(
        sqlite3_bind_text64(stmt_, idx, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        idx);
    return *this;
}

Statement& Statement::bind_blob(int idx, std::span<const uint8_t> bytes) {
    // A null pointer would bind NULL: an empty blob is a zero-length blob.
    if (bytes.empty()) {
        note_bind(sqlite3_bind_zeroblob(stmt_, idx, 0), idx);
    } else {
        note_bind(sqlite3_bind_blob64(stmt_, idx, bytes.data(), bytes.size(), SQLITE_TRANSIENT),
                  idx);
    }
    return *this;
}

Statement& Statement::bind_null(int idx) {
    note_bind(sqlite3_bind_null(stmt_, idx), idx);
    return *this;
}

Statement& Statement::bind(int idx, std::optional<int64_t> value) {
    return value ? bind(idx, *value) : bind_null(idx);
}

Result<bool> Statement::step() {
    if (bind_error_) return *bind_error_;
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Error error = sqlite_error(db_, rc, std::string("running '") + sqlite3_sql(stmt_) + "'");
    sqlite3_reset(stmt_);
    return error;
}

Status Statement::run() {
    HEARTH_ASSIGN_OR_RETURN(bool row, step());
    if (row)
        return Error::make(Errc::kInternal, "'{}' returned a row where none was expected",
                           sqlite3_sql(stmt_));
    return ok_status();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_.reset();
}

int Statement::column_count() const {
    return sqlite3_column_count(stmt_);
}

bool Statement::column_is_null(int idx) const {
    return sqlite3_column_type(stmt_, idx) == SQLITE_NULL;
}

int64_t Statement::column_int(int idx) const {
    return sqlite3_column_int64(stmt_, idx);
}

std::string Statement::column_text(int idx) const {
    const auto* text = sqlite3_column_text(stmt_, idx);
    const int n_bytes = sqlite3_column_bytes(stmt_, idx);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(n_bytes));
}

std::vector<uint8_t> Statement::column_blob(int idx) const {
    const auto* bytes = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, idx));
    const int n_bytes = sqlite3_column_bytes(stmt_, idx);
    if (bytes == nullptr) return {};
    return std::vector<uint8_t>(bytes, bytes + n_bytes);
}

std::optional<int64_t> Statement::column_optional_int(int idx) const {
    if (column_is_null(idx)) return std::nullopt;
    return column_int(idx);
}

}  // namespace hearth::store
