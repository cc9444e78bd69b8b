// The access state of `hearth serve`, opened together and closed in order: the data folder, two
// connections to its database (the key store's and the audit log's, so an audit fsync never
// holds up a key refresh), the key store, the audit log, the gate, and a thread that writes the
// keys' last-used times every few seconds (and at exit).
//
// Auth mode (decide_auth_mode):
//   loopback host (127.x, ::1, localhost)  optional: a request without a key gets the anonymous
//                                          role (default user); a key, when sent, must be valid
//   any other host                         required
//   --require-auth                         required on any host
//   --insecure-no-auth                     off: no key needed anywhere, anonymous requests are admin
// Both flags at once is an error. Unless auth is off, a bootstrap admin key is ensured at start
// (HEARTH_ADMIN_KEY, or created and returned for the caller to print once).
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "access/audit_log.h"
#include "access/clock.h"
#include "access/key_store.h"
#include "server/api/access_gate.h"
#include "store/database.h"

namespace hearth::server::api {

enum class AuthMode { kRequired, kOptional, kOff };
const char* auth_mode_name(AuthMode mode);   // "required", "optional (loopback)", "off"

// Whether `host` names only this machine.
bool is_loopback_host(std::string_view host);
// kInvalidArgument when both flags are given.
Result<AuthMode> decide_auth_mode(std::string_view host, bool require_auth, bool insecure_no_auth);

struct AccessSetup {
    std::string data_dir;                          // "" the per-user data folder
    AuthMode mode = AuthMode::kRequired;
    access::Role anonymous_role = access::Role::kUser;
    std::optional<std::string> admin_key;          // HEARTH_ADMIN_KEY
    int64_t auth_failures_per_minute = 10;
};

class AccessControl {
public:
    static Result<std::unique_ptr<AccessControl>> open(const AccessSetup& setup);
    ~AccessControl();   // stops the flush thread, writes last-used times
    AccessControl(const AccessControl&) = delete;
    AccessControl& operator=(const AccessControl&) = delete;

    std::shared_ptr<AccessGate> gate() const { return gate_; }
    const std::filesystem::path& data_dir() const { return data_dir_; }
    // The bootstrap admin key created at this start (print it once), if any.
    const std::optional<access::NewKey>& new_admin_key() const { return new_admin_key_; }

private:
    AccessControl() = default;
    void flush_loop();

    access::SystemClock clock_;
    std::filesystem::path data_dir_;
    std::unique_ptr<store::Database> keys_db_;
    std::unique_ptr<store::Database> audit_db_;
    std::unique_ptr<access::KeyStore> keys_;
    std::unique_ptr<access::AuditLog> audit_;
    std::shared_ptr<AccessGate> gate_;
    std::optional<access::NewKey> new_admin_key_;
    std::mutex mutex_;
    std::condition_variable stop_changed_;
    bool stop_ = false;
    std::thread flusher_;
};

}  // namespace hearth::server::api
