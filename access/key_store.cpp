#include "access/key_store.h"

#include <fmt/format.h>

#include <algorithm>

#include "access/api_key.h"
#include "access/audit_log.h"
#include "access/time_text.h"
#include "base/function_ref.h"
#include "base/log.h"

namespace hearth::access {
namespace {

constexpr std::string_view kSelectColumns =
    "SELECT id, name, role, hash, prefix, rpm, tpm, max_concurrent, expires_unix_ms, "
    "created_unix_ms, last_used_unix_ms, revoked_unix_ms FROM api_keys ";

struct Row {
    KeyRecord record;
    std::vector<uint8_t> hash;
};

Row read_row(const store::Statement& select) {
    Row row;
    KeyRecord& record = row.record;
    record.id = select.column_int(0);
    record.name = select.column_text(1);
    record.role = parse_role(select.column_text(2)).value_or(Role::kGuest);  // CHECK keeps it valid
    row.hash = select.column_blob(3);
    record.prefix = select.column_text(4);
    record.limits = {select.column_int(5), select.column_int(6), select.column_int(7)};
    record.expires_unix_ms = select.column_optional_int(8);
    record.created_unix_ms = select.column_int(9);
    record.last_used_unix_ms = select.column_optional_int(10);
    record.revoked_unix_ms = select.column_optional_int(11);
    return row;
}

std::string hash_bytes(const KeyHash& hash) {
    return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

std::string describe(const KeySpec& spec) {
    auto limit = [](int64_t value) { return value > 0 ? std::to_string(value) : "unlimited"; };
    return fmt::format("role {}, rpm {}, tpm {}, max_concurrent {}, expires {}",
                       role_name(spec.role), limit(spec.limits.rpm), limit(spec.limits.tpm),
                       limit(spec.limits.max_concurrent),
                       spec.expires_unix_ms ? format_utc(*spec.expires_unix_ms) : "never");
}

bool is_all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<std::optional<Row>> find_one(store::Session& session, std::string_view where,
                                    FunctionRef<void(store::Statement&)> bind) {
    HEARTH_ASSIGN_OR_RETURN(store::Statement select,
                            session.prepare(std::string(kSelectColumns) + std::string(where)));
    bind(select);
    HEARTH_ASSIGN_OR_RETURN(bool found, select.step());
    if (!found) return std::optional<Row>();
    return std::optional<Row>(read_row(select));
}

Status mark_revoked(store::Session& session, int64_t id, int64_t now_ms) {
    HEARTH_ASSIGN_OR_RETURN(
        store::Statement update,
        session.prepare("UPDATE api_keys SET revoked_unix_ms = ?2 WHERE id = ?1 AND "
                        "revoked_unix_ms IS NULL"));
    return update.bind(1, id).bind(2, now_ms).run();
}

}  // namespace

Status validate_key_name(std::string_view name) {
    if (name.empty() || name.size() > 64)
        return Error::make(Errc::kInvalidArgument, "a key name must be 1 to 64 characters long");
    for (char c : name)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@'))
            return Error::make(Errc::kInvalidArgument,
                               "key name '{}' may only hold letters, digits and . _ - @", name);
    if (is_all_digits(name))
        return Error::make(Errc::kInvalidArgument,
                           "key name '{}' is all digits: it would read as a key id", name);
    return ok_status();
}

Result<std::unique_ptr<KeyStore>> KeyStore::open(store::Database& db, KeyHasher hasher,
                                                 const Clock& clock, KeyStoreOptions options) {
    HEARTH_TRY(ensure_sodium());
    std::unique_ptr<KeyStore> keys(new KeyStore(db, std::move(hasher), clock, options));
    {
        store::Session session = db.session();
        HEARTH_TRY(keys->reload(session));
    }
    keys->last_refresh_us_.store(clock.monotonic_us());
    return keys;
}

KeyStore::~KeyStore() {
    Status flushed = flush_usage();
    if (!flushed.ok())
        log::warn("API keys: last-used times not saved: {}", flushed.error().message);
}

Status KeyStore::reload(store::Session& session) {
    HEARTH_ASSIGN_OR_RETURN(store::Statement version, session.prepare("PRAGMA data_version"));
    HEARTH_ASSIGN_OR_RETURN(bool has_version, version.step());
    const int64_t data_version = has_version ? version.column_int(0) : -1;

    HEARTH_ASSIGN_OR_RETURN(
        store::Statement select,
        session.prepare(std::string(kSelectColumns) + "WHERE revoked_unix_ms IS NULL"));
    std::vector<Row> rows;
    while (true) {
        HEARTH_ASSIGN_OR_RETURN(bool more, select.step());
        if (!more) break;
        rows.push_back(read_row(select));
    }

    Table fresh;
    std::unique_lock lock(table_mutex_);
    std::unordered_map<int64_t, std::shared_ptr<CachedKey>> previous;
    for (const auto& [hash, entry] : table_) previous.emplace(entry->principal.key_id, entry);
    for (Row& row : rows) {
        if (row.hash.size() != kKeyHashBytes) continue;  // the schema's CHECK forbids it
        // Keys never change while active, so a key already loaded keeps its entry (and the
        // last-used time gathered in it).
        auto kept = previous.find(row.record.id);
        std::shared_ptr<CachedKey> entry;
        if (kept != previous.end()) {
            entry = kept->second;
        } else {
            entry = std::make_shared<CachedKey>();
            std::copy(row.hash.begin(), row.hash.end(), entry->hash.begin());
            entry->principal = {row.record.id, row.record.name, row.record.role, row.record.limits};
            entry->expires_unix_ms = row.record.expires_unix_ms;
        }
        fresh.emplace(hash_bytes(entry->hash), std::move(entry));
    }
    table_.swap(fresh);
    data_version_ = data_version;
    return ok_status();
}

void KeyStore::maybe_refresh() {
    const int64_t now_us = clock_.monotonic_us();
    if (now_us - last_refresh_us_.load(std::memory_order_relaxed) <
        options_.refresh_interval_ms * 1000)
        return;
    std::unique_lock guard(refresh_mutex_, std::try_to_lock);
    if (!guard.owns_lock()) return;  // another thread is refreshing; use the table as it is
    last_refresh_us_.store(now_us, std::memory_order_relaxed);
    store::Session session = db_.session();
    auto version = session.prepare("PRAGMA data_version");
    if (!version.ok()) return;
    auto row = version->step();
    if (!row.ok() || !*row) return;
    const int64_t data_version = version->column_int(0);
    {
        std::shared_lock lock(table_mutex_);
        if (data_version == data_version_) return;
    }
    Status reloaded = reload(session);
    if (!reloaded.ok())
        log::warn("API keys: reloading after a change by another process failed: {}",
                  reloaded.error().message);
}

Result<Principal> KeyStore::verify(std::string_view key) {
    if (!is_well_formed_key(key)) return Error::make(Errc::kUnauthenticated, "malformed API key");
    maybe_refresh();
    const KeyHash hash = hasher_.hash(key);
    std::shared_ptr<CachedKey> entry;
    {
        std::shared_lock lock(table_mutex_);
        auto found = table_.find(hash_bytes(hash));
        if (found != table_.end()) entry = found->second;
    }
    if (!entry || !hashes_equal(entry->hash, hash))
        return Error::make(Errc::kUnauthenticated, "invalid API key");
    const int64_t now_ms = clock_.unix_ms();
    if (entry->expires_unix_ms && now_ms >= *entry->expires_unix_ms)
        return Error::make(Errc::kUnauthenticated, "API key '{}' expired at {}",
                           entry->principal.name, format_utc(*entry->expires_unix_ms));
    entry->last_used_unix_ms.store(now_ms, std::memory_order_relaxed);
    return entry->principal;
}

Result<NewKey> KeyStore::insert_key(store::Session& session, const KeySpec& spec, std::string key,
                                    const Actor& actor, std::string_view action) {
    const int64_t now_ms = clock_.unix_ms();
    const KeyHash hash = hasher_.hash(key);
    NewKey made;
    made.record.name = spec.name;
    made.record.role = spec.role;
    made.record.limits = spec.limits;
    made.record.expires_unix_ms = spec.expires_unix_ms;
    made.record.created_unix_ms = now_ms;
    made.record.prefix = displayable_prefix(key);
    HEARTH_ASSIGN_OR_RETURN(
        store::Statement insert,
        session.prepare("INSERT INTO api_keys (name, role, hash, prefix, rpm, tpm, max_concurrent, "
                        "expires_unix_ms, created_unix_ms) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    insert.bind(1, spec.name)
        .bind(2, role_name(spec.role))
        .bind_blob(3, hash)
        .bind(4, made.record.prefix)
        .bind(5, spec.limits.rpm)
        .bind(6, spec.limits.tpm)
        .bind(7, spec.limits.max_concurrent)
        .bind(8, spec.expires_unix_ms)
        .bind(9, now_ms);
    Status inserted = insert.run();
    if (!inserted.ok()) {
        if (inserted.error().code == Errc::kAlreadyExists)
            return Error::make(Errc::kAlreadyExists,
                               "an active key is already named '{}': revoke it first or choose "
                               "another name",
                               spec.name);
        return inserted.take_error();
    }
    made.record.id = session.last_insert_rowid();
    made.key = std::move(key);
    AuditEvent event{now_ms,
                     actor.name,
                     actor.key_id,
                     std::string(action),
                     spec.name,
                     actor.client,
                     Outcome::kSuccess,
                     fmt::format("key {}: {}", made.record.id, describe(spec))};
    HEARTH_TRY(append_audit(session, event, now_ms));
    return made;
}

void KeyStore::audit_failure(const Actor& actor, std::string_view action, std::string_view resource,
                             const Error& error) {
    store::Session session = db_.session();
    AuditEvent event{0,
                     actor.name,
                     actor.key_id,
                     std::string(action),
                     std::string(resource),
                     actor.client,
                     Outcome::kFailure,
                     error.message};
    auto appended = append_audit(session, event, clock_.unix_ms());
    if (!appended.ok())
        log::error("audit log: cannot record a failed {}: {}", action, appended.error().message);
}

Result<NewKey> KeyStore::create(const KeySpec& spec, const Actor& actor) {
    Status valid = validate_key_name(spec.name);
    if (valid.ok() && spec.name == kBootstrapKeyName)
        valid = Error::make(Errc::kInvalidArgument,
                            "the name '{}' is reserved for the bootstrap key", kBootstrapKeyName);
    if (valid.ok()) valid = validate_limits(spec.limits);
    if (valid.ok() && spec.expires_unix_ms && *spec.expires_unix_ms <= clock_.unix_ms())
        valid = Error::make(Errc::kInvalidArgument, "expiry {} is not in the future",
                            format_utc(*spec.expires_unix_ms));
    if (!valid.ok()) {
        audit_failure(actor, "keys.create", spec.name, valid.error());
        return valid.take_error();
    }
    HEARTH_ASSIGN_OR_RETURN(std::string key, generate_api_key());

    std::optional<NewKey> made;
    Status status;
    {
        store::Session session = db_.session();
        status = session.transaction([&]() -> Status {
            HEARTH_ASSIGN_OR_RETURN(
                NewKey inserted, insert_key(session, spec, std::move(key), actor, "keys.create"));
            made = std::move(inserted);
            return ok_status();
        });
        if (status.ok()) status = reload(session);
    }
    if (!status.ok()) {
        audit_failure(actor, "keys.create", spec.name, status.error());
        return status.take_error();
    }
    return std::move(*made);
}

Result<std::vector<KeyRecord>> KeyStore::list(bool include_revoked) {
    HEARTH_TRY(flush_usage());
    store::Session session = db_.session();
    HEARTH_ASSIGN_OR_RETURN(
        store::Statement select,
        session.prepare(
            std::string(kSelectColumns) +
            (include_revoked ? "ORDER BY id" : "WHERE revoked_unix_ms IS NULL ORDER BY id")));
    std::vector<KeyRecord> records;
    while (true) {
        HEARTH_ASSIGN_OR_RETURN(bool more, select.step());
        if (!more) break;
        records.push_back(read_row(select).record);
    }
    return records;
}

Result<KeyRecord> KeyStore::revoke(std::string_view id_or_name, const Actor& actor) {
    // Ids and names are at most 64 characters; a longer target names nothing (and is not cut,
    // which could make it match a name it starts with). Audit rows bound their own text.
    const std::string target(id_or_name);
    std::optional<KeyRecord> revoked;
    Status status;
    {
        store::Session session = db_.session();
        status = session.transaction([&]() -> Status {
            std::optional<Row> row;
            if (is_all_digits(target) && target.size() <= 18) {
                const int64_t id = std::stoll(target);
                HEARTH_ASSIGN_OR_RETURN(row, find_one(session, "WHERE id = ?1",
                                                      [&](store::Statement& s) { s.bind(1, id); }));
                if (!row) return Error::make(Errc::kNotFound, "no API key has id {}", id);
            } else {
                HEARTH_TRY(validate_key_name(target));
                HEARTH_ASSIGN_OR_RETURN(
                    row, find_one(session, "WHERE name = ?1 AND revoked_unix_ms IS NULL",
                                  [&](store::Statement& s) { s.bind(1, target); }));
                if (!row)
                    return Error::make(Errc::kNotFound, "no active API key is named '{}'", target);
            }
            KeyRecord& record = row->record;
            if (record.revoked_unix_ms)
                return Error::make(Errc::kFailedPrecondition, "key {} ('{}') was revoked at {}",
                                   record.id, record.name, format_utc(*record.revoked_unix_ms));
            const int64_t now_ms = clock_.unix_ms();
            HEARTH_TRY(mark_revoked(session, record.id, now_ms));
            record.revoked_unix_ms = now_ms;
            AuditEvent event{
                now_ms,      actor.name,   actor.key_id,      "keys.revoke",
                record.name, actor.client, Outcome::kSuccess, fmt::format("key {}", record.id)};
            HEARTH_TRY(append_audit(session, event, now_ms));
            revoked = record;
            return ok_status();
        });
        if (status.ok()) status = reload(session);
    }
    if (!status.ok()) {
        audit_failure(actor, "keys.revoke", target, status.error());
        return status.take_error();
    }
    return std::move(*revoked);
}

Result<std::optional<NewKey>> KeyStore::ensure_bootstrap_admin(
    std::optional<std::string_view> env_key) {
    std::string key;
    if (env_key) {
        if (!is_well_formed_key(*env_key))
            return Error::make(Errc::kInvalidArgument,
                               "HEARTH_ADMIN_KEY must be {} to {} characters of A-Z a-z 0-9 - . _ "
                               "~ + / (then optional '=' padding)",
                               kMinKeyLength, kMaxKeyLength);
        key = std::string(*env_key);
    } else {
        HEARTH_ASSIGN_OR_RETURN(key, generate_api_key());
    }
    const Actor server{"server", std::nullopt, "server"};
    const KeySpec spec{std::string(kBootstrapKeyName), Role::kAdmin, {}, std::nullopt};
    const KeyHash hash = hasher_.hash(key);
    std::optional<NewKey> made;
    store::Session session = db_.session();
    HEARTH_TRY(session.transaction([&]() -> Status {
        const int64_t now_ms = clock_.unix_ms();
        if (env_key) {
            HEARTH_ASSIGN_OR_RETURN(std::optional<Row> same,
                                    find_one(session, "WHERE hash = ?1 AND revoked_unix_ms IS NULL",
                                             [&](store::Statement& s) { s.bind_blob(1, hash); }));
            if (same && same->record.role == Role::kAdmin) return ok_status();  // already in place
            if (same)
                return Error::make(Errc::kFailedPrecondition,
                                   "HEARTH_ADMIN_KEY is the key of '{}', which is not an admin key",
                                   same->record.name);
        } else {
            HEARTH_ASSIGN_OR_RETURN(
                std::optional<Row> admin,
                find_one(session,
                         "WHERE role = 'admin' AND revoked_unix_ms IS NULL AND "
                         "(expires_unix_ms IS NULL OR expires_unix_ms > ?1) LIMIT 1",
                         [&](store::Statement& s) { s.bind(1, now_ms); }));
            if (admin) return ok_status();
        }
        // A previous bootstrap key (another HEARTH_ADMIN_KEY, or an expired one) steps aside.
        HEARTH_ASSIGN_OR_RETURN(
            std::optional<Row> previous,
            find_one(session, "WHERE name = ?1 AND revoked_unix_ms IS NULL",
                     [&](store::Statement& s) { s.bind(1, kBootstrapKeyName); }));
        if (previous) {
            HEARTH_TRY(mark_revoked(session, previous->record.id, now_ms));
            AuditEvent event{
                now_ms,
                server.name,
                std::nullopt,
                "keys.revoke",
                previous->record.name,
                server.client,
                Outcome::kSuccess,
                fmt::format("key {}: replaced by a new bootstrap key", previous->record.id)};
            HEARTH_TRY(append_audit(session, event, now_ms));
        }
        HEARTH_ASSIGN_OR_RETURN(NewKey inserted,
                                insert_key(session, spec, key, server, "keys.bootstrap"));
        made = std::move(inserted);
        return ok_status();
    }));
    HEARTH_TRY(reload(session));
    if (env_key || !made) return std::optional<NewKey>();
    return made;
}

Status KeyStore::flush_usage() {
    std::vector<std::pair<std::shared_ptr<CachedKey>, int64_t>> used;
    {
        std::shared_lock lock(table_mutex_);
        for (const auto& [hash, entry] : table_) {
            const int64_t last = entry->last_used_unix_ms.load(std::memory_order_relaxed);
            if (last > entry->flushed_unix_ms.load(std::memory_order_relaxed))
                used.emplace_back(entry, last);
        }
    }
    if (used.empty()) return ok_status();
    store::Session session = db_.session();
    HEARTH_TRY(session.transaction([&]() -> Status {
        HEARTH_ASSIGN_OR_RETURN(
            store::Statement update,
            session.prepare("UPDATE api_keys SET last_used_unix_ms = ?2 WHERE id = ?1 AND "
                            "(last_used_unix_ms IS NULL OR last_used_unix_ms < ?2)"));
        for (const auto& [entry, last] : used) {
            update.reset();
            HEARTH_TRY(update.bind(1, entry->principal.key_id).bind(2, last).run());
        }
        return ok_status();
    }));
    for (const auto& [entry, last] : used) entry->flushed_unix_ms.store(last);
    return ok_status();
}

}  // namespace hearth::access
