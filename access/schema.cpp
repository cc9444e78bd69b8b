#include "access/schema.h"

#include <array>

namespace hearth::access {
namespace {

constexpr std::array<store::Migration, 2> kMigrations = {{
    {1, "api keys",
     "CREATE TABLE api_keys ("
     "  id INTEGER PRIMARY KEY AUTOINCREMENT,"  // never reused, so audit rows stay unambiguous
     "  name TEXT NOT NULL,"
     "  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'user', 'guest')),"
     "  hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),"
     "  prefix TEXT NOT NULL,"
     "  rpm INTEGER NOT NULL DEFAULT 0 CHECK (rpm >= 0),"
     "  tpm INTEGER NOT NULL DEFAULT 0 CHECK (tpm >= 0),"
     "  max_concurrent INTEGER NOT NULL DEFAULT 0 CHECK (max_concurrent >= 0),"
     "  expires_unix_ms INTEGER,"
     "  created_unix_ms INTEGER NOT NULL,"
     "  last_used_unix_ms INTEGER,"
     "  revoked_unix_ms INTEGER"
     ");"
     // One active key per name; revoked keys keep theirs for the record.
     "CREATE UNIQUE INDEX api_keys_active_name ON api_keys(name) WHERE revoked_unix_ms IS NULL;"},
    {2, "audit log",
     "CREATE TABLE audit_log ("
     "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
     "  unix_ms INTEGER NOT NULL,"
     "  actor TEXT NOT NULL,"
     "  key_id INTEGER,"
     "  action TEXT NOT NULL,"
     "  resource TEXT NOT NULL,"
     "  client TEXT NOT NULL,"
     "  outcome TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'failure')),"
     "  detail TEXT NOT NULL"
     ");"
     "CREATE INDEX audit_log_time ON audit_log(unix_ms);"
     "CREATE INDEX audit_log_key ON audit_log(key_id, unix_ms);"
     "CREATE INDEX audit_log_action ON audit_log(action, unix_ms);"},
}};

}  // namespace

std::filesystem::path database_path(const std::filesystem::path& data_dir) {
    return data_dir / "hearth.db";
}

std::filesystem::path key_secret_path(const std::filesystem::path& data_dir) {
    return data_dir / "key-secret";
}

std::span<const store::Migration> access_migrations() {
    return kMigrations;
}

Result<std::unique_ptr<store::Database>> open_access_database(
    const std::filesystem::path& data_dir, const Clock& clock,
    const store::DatabaseOptions& options) {
    const std::filesystem::path path = database_path(data_dir);
    HEARTH_ASSIGN_OR_RETURN(auto db, store::Database::open(path, options));
    {
        store::Session session = db->session();
        auto migrated =
            store::migrate(session, kSchemaComponent, access_migrations(), clock.unix_ms());
        if (!migrated.ok()) return migrated.error().wrap("database '{}'", path.string());
    }
    return db;
}

}  // namespace hearth::access
