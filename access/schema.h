// The access layer's state in the data folder: the database file (API keys and the audit log,
// with their migrations, component "access") and the key-hashing secret beside it.
//
//   <data-dir>/hearth.db       SQLite, WAL (hearth.db-wal, hearth.db-shm beside it), mode 0600
//   <data-dir>/key-secret      32 random bytes, mode 0600 (see key_hasher.h)
#pragma once

#include <filesystem>
#include <memory>
#include <span>

#include "access/clock.h"
#include "base/result.h"
#include "store/database.h"
#include "store/migrations.h"

namespace hearth::access {

inline constexpr std::string_view kSchemaComponent = "access";

std::filesystem::path database_path(const std::filesystem::path& data_dir);
std::filesystem::path key_secret_path(const std::filesystem::path& data_dir);

// The access tables, oldest first (never edit a shipped one: add a migration).
std::span<const store::Migration> access_migrations();

// Opens <data_dir>/hearth.db and brings the access tables to the current version. Errors name the
// file (a newer database: kFailedPrecondition).
Result<std::unique_ptr<store::Database>> open_access_database(
    const std::filesystem::path& data_dir, const Clock& clock,
    const store::DatabaseOptions& options = {});

}  // namespace hearth::access
