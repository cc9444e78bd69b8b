// One prepared SQL statement (sqlite3_stmt) with typed binds and columns.
//
//   auto stmt = session.prepare("SELECT id, name FROM api_keys WHERE role = ?1");
//   stmt->bind(1, "admin");
//   while (true) {
//       HEARTH_ASSIGN_OR_RETURN(bool row, stmt->step());
//       if (!row) break;
//       ... stmt->column_int(0), stmt->column_text(1) ...
//   }
//
// Binds never fail on their own: the first bind error (an index out of range, a value too big)
// is kept and returned by the next step(). Parameters are 1-based (?1, ?2 ...), columns 0-based.
// A Statement belongs to the Session that prepared it: use it only while that Session is alive and
// on the thread that holds it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace hearth::store {

class Statement {
  public:
    Statement() = default;
    Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int idx, int64_t value);
    Statement& bind(int idx, std::string_view text);
    Statement& bind(int idx, const char* text) { return bind(idx, std::string_view(text)); }
    Statement& bind_blob(int idx, std::span<const uint8_t> bytes);
    Statement& bind_null(int idx);
    // Binds the value, or NULL when empty.
    Statement& bind(int idx, std::optional<int64_t> value);

    // Runs to the next row: true when a row is ready to read, false when the statement is done.
    Result<bool> step();
    // Steps until done (INSERT, UPDATE, DELETE); a returned row is an error.
    Status run();
    // Rewinds for another run with new binds (binds are cleared).
    void reset();

    int column_count() const;
    bool column_is_null(int idx) const;
    int64_t column_int(int idx) const;
    std::string column_text(int idx) const;
    std::vector<uint8_t> column_blob(int idx) const;
    // The column's value, or empty when it is NULL.
    std::optional<int64_t> column_optional_int(int idx) const;

  private:
    void note_bind(int rc, int idx);

    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    std::optional<Error> bind_error_;
};

// The Errc for a SQLite result code: busy/locked -> kUnavailable, constraint -> kAlreadyExists,
// corrupt/not a database -> kCorrupt, full/I/O/cannot open -> kIo, anything else -> kInternal.
Errc errc_from_sqlite(int rc);
// An Error for a failed call on `db`: its code and SQLite's own message, after `what`.
Error sqlite_error(sqlite3* db, int rc, std::string_view what);

}  // namespace hearth::store
