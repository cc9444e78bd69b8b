#include "store/migrations.h"

#include <map>
#include <string>

namespace hearth::store {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  component TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  applied_unix_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (component, version))";

Result<std::map<int64_t, std::string>> applied_migrations(Session& session,
                                                          std::string_view component) {
    HEARTH_ASSIGN_OR_RETURN(Statement select,
                            session.prepare("SELECT version, name FROM schema_migrations "
                                            "WHERE component = ?1 ORDER BY version"));
    select.bind(1, component);
    std::map<int64_t, std::string> applied;
    while (true) {
        HEARTH_ASSIGN_OR_RETURN(bool row, select.step());
        if (!row) break;
        applied[select.column_int(0)] = select.column_text(1);
    }
    return applied;
}

}  // namespace

Result<int64_t> schema_version(Session& session, std::string_view component) {
    HEARTH_TRY(session.exec(kCreateTable));
    HEARTH_ASSIGN_OR_RETURN(auto applied, applied_migrations(session, component));
    return applied.empty() ? int64_t{0} : applied.rbegin()->first;
}

Result<int64_t> migrate(Session& session, std::string_view component,
                        std::span<const Migration> migrations, int64_t now_unix_ms) {
    for (size_t idx = 0; idx < migrations.size(); ++idx)
        if (migrations[idx].version != static_cast<int64_t>(idx) + 1)
            return Error::make(Errc::kInternal,
                               "{} migration #{} has version {}: versions must run 1, 2, 3 ...",
                               component, idx + 1, migrations[idx].version);
    const auto known = static_cast<int64_t>(migrations.size());

    HEARTH_TRY(session.exec(kCreateTable));
    HEARTH_ASSIGN_OR_RETURN(auto applied, applied_migrations(session, component));
    if (!applied.empty() && applied.rbegin()->first > known)
        return Error::make(Errc::kFailedPrecondition,
                           "{} schema version {} is newer than this build of Hearth understands "
                           "({}): run a newer Hearth or use another data folder",
                           component, applied.rbegin()->first, known);
    for (const auto& [version, name] : applied) {
        if (version < 1)
            return Error::make(Errc::kCorrupt, "{} schema version {} recorded: not a version",
                               component, version);
        if (migrations[version - 1].name != name)
            return Error::make(Errc::kCorrupt,
                               "{} schema version {} was applied as '{}' but this build calls it "
                               "'{}': the database comes from a different build",
                               component, version, name, migrations[version - 1].name);
    }

    for (const Migration& migration : migrations) {
        if (applied.contains(migration.version)) continue;
        HEARTH_TRY(session.transaction([&]() -> Status {
            // Another process may have applied it since we looked; the PRIMARY KEY makes the
            // second attempt fail, so check again inside the write lock.
            HEARTH_ASSIGN_OR_RETURN(auto now_applied, applied_migrations(session, component));
            if (now_applied.contains(migration.version)) return ok_status();
            Status status = session.exec(migration.sql);
            if (!status.ok())
                return status.error().wrap("{} migration {} ('{}')", component, migration.version,
                                           migration.name);
            HEARTH_ASSIGN_OR_RETURN(Statement record,
                                    session.prepare("INSERT INTO schema_migrations "
                                                    "(component, version, name, applied_unix_ms) "
                                                    "VALUES (?1, ?2, ?3, ?4)"));
            return record.bind(1, component)
                .bind(2, migration.version)
                .bind(3, migration.name)
                .bind(4, now_unix_ms)
                .run();
        }));
    }
    return known;
}

}  // namespace hearth::store
