// The audit log: who did what, to what, when, from where, and how it ended. Rows live in the
// audit_log table of the access database; append() returns once its row is committed, so with
// the database's default durability (store/database.h) a row that append() reported survives
// kill -9 of the process and a power cut (tests/access/audit_log_test.cpp kills a writer to
// check it). Rows are never updated; prune_before() deletes old ones when asked.
//
// What is recorded (the callers' duty, listed in docs/security.md): every key change (the
// KeyStore writes those itself, in the same transaction as the change), every admin action,
// every model load and unload, and every denied request (401, 403, 429).
//
// Untrusted text (paths, key names, reasons) is stored as given but cut to a bounded length at a
// UTF-8 boundary: actor 128 bytes, action 64, resource 512, client 128, detail 2048.
//
// Threads: every method may be called from any thread; each takes a session of the Database
// (store/database.h), so appends are serialised per Database object.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/clock.h"
#include "base/result.h"
#include "store/database.h"

namespace hearth::access {

enum class Outcome : uint8_t { kSuccess, kDenied, kFailure };
const char* outcome_name(Outcome outcome);  // "success", "denied", "failure"
std::optional<Outcome> parse_outcome(std::string_view name);

struct AuditEvent {
    int64_t unix_ms = 0;            // when; 0: now, by the log's clock
    std::string actor;              // who: a key's name, "anonymous", "cli:<user>", "server"
    std::optional<int64_t> key_id;  // the key that acted, when a key did
    std::string action;             // what: "keys.create", "models.load", "auth.denied" ...
    std::string resource;           // on what: a key name, a model id, a request path
    std::string client;             // from where: a client address, "cli", "server"
    Outcome outcome = Outcome::kSuccess;
    std::string detail;  // free text: a reason, an HTTP status, changed fields
};

struct AuditRecord {
    int64_t id = 0;  // increasing in commit order
    AuditEvent event;
};

struct AuditQuery {
    std::optional<int64_t> since_unix_ms = std::nullopt;  // inclusive
    std::optional<int64_t> until_unix_ms = std::nullopt;  // exclusive
    std::optional<int64_t> key_id = std::nullopt;
    std::optional<std::string> actor = std::nullopt;
    // An exact action, or a family when it ends in '.': "keys." matches "keys.create" ...
    std::optional<std::string> action = std::nullopt;
    std::optional<Outcome> outcome = std::nullopt;
    std::optional<int64_t> before_id = std::nullopt;  // paging: rows older than this id
    int64_t limit = 100;                              // 1 .. kMaxAuditQueryLimit
};

inline constexpr int64_t kMaxAuditQueryLimit = 1000;

// Appends inside a transaction the caller holds (for changes recorded atomically with their
// row). Returns the row id.
Result<int64_t> append_audit(store::Session& session, const AuditEvent& event, int64_t now_unix_ms);

class AuditLog {
  public:
    // `db` (holding the access tables) and `clock` must outlive the log.
    AuditLog(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

    // Commits one row; returns its id.
    Result<int64_t> append(const AuditEvent& event);
    // Newest first. kInvalidArgument for a limit out of range or an empty time range.
    Result<std::vector<AuditRecord>> query(const AuditQuery& query);
    // Deletes rows older than `unix_ms`; returns how many.
    Result<int64_t> prune_before(int64_t unix_ms);

  private:
    store::Database& db_;
    const Clock& clock_;
};

}  // namespace hearth::access
