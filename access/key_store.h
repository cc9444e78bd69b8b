// API keys: create, list, revoke, verify, and the bootstrap admin key.
//
// Storage: the api_keys table holds each key's keyed hash (key_hasher.h), never the key; the
// clear key exists only in the NewKey that create() returns, to be shown once. Every change
// writes its audit row in the same transaction (a failed attempt writes a 'failure' row).
//
// Verification, on every request, touches no database: verify() checks the token's shape,
// hashes it with the server secret, finds the hash in an in-memory table of active keys, compares
// it with sodium_memcmp (constant time), then checks expiry. The table lookup's timing can only
// reveal something about the keyed hash, which an attacker cannot compute for a guess without
// the secret. The table is reloaded after this store's own changes at once, and after changes by
// other processes (the `hearth keys` CLI beside a running server) within refresh_interval_ms:
// verify() checks SQLite's data_version at most that often. Last-used times are kept in memory
// and written by flush_usage() (the server calls it every few seconds and at exit).
//
// Names: 1 to 64 characters of A-Z a-z 0-9 . _ - @, not all digits (so `revoke ID|NAME` is never
// ambiguous), unique among active keys. "bootstrap-admin" is reserved for the bootstrap key.
//
// Threads: every method may be called from any thread. verify() takes a shared lock on the
// table; changes take the database session (one at a time) and swap the table under an
// exclusive lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "access/clock.h"
#include "access/key_hasher.h"
#include "access/key_limits.h"
#include "access/permissions.h"
#include "base/result.h"
#include "store/database.h"

namespace hearth::access {

inline constexpr std::string_view kBootstrapKeyName = "bootstrap-admin";

struct KeySpec {
    std::string name;
    Role role = Role::kUser;
    KeyLimits limits;
    std::optional<int64_t> expires_unix_ms;  // empty: never
};

struct KeyRecord {
    int64_t id = 0;
    std::string name;
    Role role = Role::kUser;
    KeyLimits limits;
    std::optional<int64_t> expires_unix_ms;
    int64_t created_unix_ms = 0;
    std::optional<int64_t> last_used_unix_ms;
    std::optional<int64_t> revoked_unix_ms;
    std::string prefix;  // the displayable start of the key ("hk-AbCdEfG"), "" for operator keys
};

// A key just made: the only place its clear text ever appears.
struct NewKey {
    KeyRecord record;
    std::string key;
};

// Who a verified key is: what the HTTP edge needs for permission checks, limits and audit rows.
struct Principal {
    int64_t key_id = 0;
    std::string name;
    Role role = Role::kGuest;
    KeyLimits limits;
};

// Who makes a change, for the audit log.
struct Actor {
    std::string name;               // a key's name, "cli:<user>", "server"
    std::optional<int64_t> key_id;  // when a key made it
    std::string client;             // an address, "cli", "server"
};

struct KeyStoreOptions {
    int64_t refresh_interval_ms = 1000;
};

// kInvalidArgument naming the rule a key name breaks.
Status validate_key_name(std::string_view name);

class KeyStore {
  public:
    // Loads the active keys. The database must hold the access tables (open_access_database);
    // `db` and `clock` must outlive the store.
    static Result<std::unique_ptr<KeyStore>> open(store::Database& db, KeyHasher hasher,
                                                  const Clock& clock, KeyStoreOptions options = {});
    ~KeyStore();  // flushes last-used times (errors are logged)
    KeyStore(const KeyStore&) = delete;
    KeyStore& operator=(const KeyStore&) = delete;

    // kInvalidArgument for a bad name, limits or an expiry not in the future; kAlreadyExists
    // when an active key has the name.
    Result<NewKey> create(const KeySpec& spec, const Actor& actor);
    // Oldest first; revoked keys only when asked.
    Result<std::vector<KeyRecord>> list(bool include_revoked = false);
    // By numeric id or by the name of an active key. kNotFound when there is no such key,
    // kFailedPrecondition when it is already revoked.
    Result<KeyRecord> revoke(std::string_view id_or_name, const Actor& actor);

    // The key's principal, or kUnauthenticated ("invalid API key", "API key 'x' expired at ...",
    // "malformed API key"). Never touches the database except for the periodic refresh check.
    Result<Principal> verify(std::string_view key);

    // Makes sure an administrator can get in:
    //  - `env_key` given (HEARTH_ADMIN_KEY): it becomes the active "bootstrap-admin" key (a
    //    previous bootstrap key with another value is revoked); returns nothing to print.
    //    kInvalidArgument when it is not a well-formed key (20..256 bearer-token characters).
    //  - otherwise, when no active unexpired admin key exists: creates "bootstrap-admin" and
    //    returns it, for the server to print once. Else returns nothing.
    Result<std::optional<NewKey>> ensure_bootstrap_admin(std::optional<std::string_view> env_key);

    // Writes last-used times gathered by verify() since the last flush.
    Status flush_usage();

  private:
    struct CachedKey {
        KeyHash hash{};
        Principal principal;
        std::optional<int64_t> expires_unix_ms;
        std::atomic<int64_t> last_used_unix_ms{0};  // 0: not used since loaded
        std::atomic<int64_t> flushed_unix_ms{0};
    };
    using Table = std::unordered_map<std::string, std::shared_ptr<CachedKey>>;

    KeyStore(store::Database& db, KeyHasher hasher, const Clock& clock, KeyStoreOptions options)
        : db_(db), hasher_(std::move(hasher)), clock_(clock), options_(options) {}

    Status reload(store::Session& session);
    void maybe_refresh();
    Result<NewKey> insert_key(store::Session& session, const KeySpec& spec, std::string key,
                              const Actor& actor, std::string_view action);
    void audit_failure(const Actor& actor, std::string_view action, std::string_view resource,
                       const Error& error);

    store::Database& db_;
    const KeyHasher hasher_;
    const Clock& clock_;
    const KeyStoreOptions options_;

    std::shared_mutex table_mutex_;
    Table table_;  // keyed hash bytes -> active key
    std::mutex refresh_mutex_;
    std::atomic<int64_t> last_refresh_us_{0};
    int64_t data_version_ = -1;  // SQLite's, at the last reload (refresh_mutex_)
};

}  // namespace hearth::access
