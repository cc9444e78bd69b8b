// Versioned schema migrations. Each component that keeps tables in a database (access: keys and
// audit; later experiments) owns a list of migrations numbered 1, 2, 3 ... and never edits one
// that has shipped: a change is a new migration. The table
//
//   schema_migrations(component TEXT, version INTEGER, name TEXT, applied_unix_ms INTEGER)
//
// records what was applied. migrate() applies each missing migration in its own transaction
// together with its schema_migrations row, so a crash leaves the database at a whole version.
// It refuses a database that a newer Hearth has migrated past the versions it knows (running old
// code on a newer schema could corrupt data), and one whose recorded names differ from the code's
// (two builds that numbered different migrations the same).
//
// Threads: as Session (the caller holds it).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "base/result.h"
#include "store/database.h"

namespace hearth::store {

struct Migration {
    int64_t version = 0;    // 1, 2, 3 ... in order without gaps
    std::string_view name;  // a short description, recorded with the version
    std::string_view sql;   // one or more statements
};

// Brings `component` to the last version of `migrations`; returns that version.
// kFailedPrecondition when the database is newer than the code, kCorrupt when the recorded
// history disagrees with `migrations`. A bad list (versions not 1..n) is kInternal.
Result<int64_t> migrate(Session& session, std::string_view component,
                        std::span<const Migration> migrations, int64_t now_unix_ms);

// The component's applied version (0: none yet).
Result<int64_t> schema_version(Session& session, std::string_view component);

}  // namespace hearth::store
