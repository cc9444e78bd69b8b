#include "server/api/access_control.h"

#include "access/schema.h"
#include "base/log.h"
#include "store/data_dir.h"

namespace hearth::server::api {

const char* auth_mode_name(AuthMode mode) {
    switch (mode) {
        case AuthMode::kRequired: return "required";
        case AuthMode::kOptional: return "optional (loopback)";
        case AuthMode::kOff: return "off";
    }
    return "?";
}

bool is_loopback_host(std::string_view host) {
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return host == "localhost" || host == "::1" || host.starts_with("127.") || host == "::ffff:127.0.0.1";
}

Result<AuthMode> decide_auth_mode(std::string_view host, bool require_auth, bool insecure_no_auth) {
    if (require_auth && insecure_no_auth)
        return Error::make(Errc::kInvalidArgument, "--require-auth and --insecure-no-auth contradict each other");
    if (insecure_no_auth) return AuthMode::kOff;
    if (require_auth || !is_loopback_host(host)) return AuthMode::kRequired;
    return AuthMode::kOptional;
}

Result<std::unique_ptr<AccessControl>> AccessControl::open(const AccessSetup& setup) {
    std::unique_ptr<AccessControl> control(new AccessControl());
    HEARTH_ASSIGN_OR_RETURN(control->data_dir_, store::prepare_data_dir(setup.data_dir));
    HEARTH_ASSIGN_OR_RETURN(control->keys_db_, access::open_access_database(control->data_dir_, control->clock_));
    HEARTH_ASSIGN_OR_RETURN(control->audit_db_, access::open_access_database(control->data_dir_, control->clock_));
    HEARTH_ASSIGN_OR_RETURN(access::KeyHasher hasher,
                            access::KeyHasher::load_or_create(access::key_secret_path(control->data_dir_)));
    HEARTH_ASSIGN_OR_RETURN(control->keys_, access::KeyStore::open(*control->keys_db_, std::move(hasher), control->clock_));
    control->audit_ = std::make_unique<access::AuditLog>(*control->audit_db_, control->clock_);
    if (setup.mode != AuthMode::kOff) {
        std::optional<std::string_view> env_key;
        if (setup.admin_key) env_key = *setup.admin_key;
        auto bootstrap = control->keys_->ensure_bootstrap_admin(env_key);
        if (!bootstrap.ok()) return bootstrap.error().wrap("HEARTH_ADMIN_KEY");
        control->new_admin_key_ = std::move(*bootstrap);
    }
    AccessGateConfig config;
    config.require_auth = setup.mode == AuthMode::kRequired;
    config.auth_failures.failures_per_minute = setup.auth_failures_per_minute;
    config.anonymous_role = setup.mode == AuthMode::kOff ? access::Role::kAdmin : setup.anonymous_role;
    control->gate_ = std::make_shared<AccessGate>(*control->keys_, *control->audit_, control->clock_, config);
    control->flusher_ = std::thread([raw = control.get()] { raw->flush_loop(); });
    return control;
}

void AccessControl::flush_loop() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        stop_changed_.wait_for(lock, std::chrono::seconds(5), [&] { return stop_; });
        lock.unlock();
        if (Status flushed = keys_->flush_usage(); !flushed.ok())
            log::warn("keys: cannot write last-used times: {}", flushed.error().message);
        lock.lock();
    }
}

AccessControl::~AccessControl() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    stop_changed_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    gate_.reset();
    keys_.reset();   // flushes last-used times
    audit_.reset();
}

}  // namespace hearth::server::api
