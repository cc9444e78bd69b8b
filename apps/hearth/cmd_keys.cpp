// hearth keys create|list|revoke: API keys in the data folder's database (stored as keyed
// hashes; a new key is printed once, on stdout, so `KEY=$(hearth keys create ...)` captures it
// while the details go to stderr). Safe to run while the server uses the same data folder: the
// server sees a change within a second.
#include <pwd.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>

#include "access/key_store.h"
#include "access/schema.h"
#include "access/time_text.h"
#include "apps/hearth/commands.h"
#include "store/data_dir.h"

namespace hearth::cli {
namespace {

struct KeysOptions {
    std::string data_dir;
    std::string name;
    std::string role = "user";
    int64_t rpm = 0;
    int64_t tpm = 0;
    int64_t max_concurrent = 0;
    std::string expires;
    bool all = false;
    std::string target;
};

// The database, the hasher and the store, opened together and closed in the right order.
struct OpenKeys {
    access::SystemClock clock;
    std::unique_ptr<store::Database> db;
    std::unique_ptr<access::KeyStore> keys;
    ~OpenKeys() { keys.reset(); }
};

Result<std::unique_ptr<OpenKeys>> open_keys(const std::string& data_dir) {
    auto opened = std::make_unique<OpenKeys>();
    HEARTH_ASSIGN_OR_RETURN(std::filesystem::path dir, store::prepare_data_dir(data_dir));
    HEARTH_ASSIGN_OR_RETURN(opened->db, access::open_access_database(dir, opened->clock));
    HEARTH_ASSIGN_OR_RETURN(access::KeyHasher hasher,
                            access::KeyHasher::load_or_create(access::key_secret_path(dir)));
    HEARTH_ASSIGN_OR_RETURN(opened->keys,
                            access::KeyStore::open(*opened->db, std::move(hasher), opened->clock));
    return opened;
}

access::Actor cli_actor() {
    const passwd* user = ::getpwuid(::geteuid());
    const std::string name = user != nullptr ? user->pw_name : std::to_string(::geteuid());
    return {"cli:" + name, std::nullopt, "cli"};
}

std::string limit_text(int64_t value) { return value > 0 ? std::to_string(value) : "-"; }

int fail(const Error& error) {
    fmt::print(stderr, "error: {}\n", error.message);
    return 1;
}

int run_create(const KeysOptions& options) {
    auto opened = open_keys(options.data_dir);
    if (!opened.ok()) return fail(opened.error());
    access::KeySpec spec;
    spec.name = options.name;
    spec.role = access::parse_role(options.role).value_or(access::Role::kGuest);  // CLI checked
    spec.limits = {options.rpm, options.tpm, options.max_concurrent};
    if (!options.expires.empty()) {
        auto expires = access::parse_expiry(options.expires, (*opened)->clock.unix_ms());
        if (!expires.ok()) return fail(expires.error());
        spec.expires_unix_ms = *expires;
    }
    auto made = (*opened)->keys->create(spec, cli_actor());
    if (!made.ok()) return fail(made.error());
    const access::KeyRecord& record = made->record;
    fmt::print(stderr,
               "created key {} '{}': role {}, rpm {}, tpm {}, max concurrent {}, expires {}\n"
               "this is the only time the key is shown; store it now:\n",
               record.id, record.name, access::role_name(record.role),
               limit_text(record.limits.rpm), limit_text(record.limits.tpm),
               limit_text(record.limits.max_concurrent),
               record.expires_unix_ms ? access::format_utc(*record.expires_unix_ms) : "never");
    fmt::print("{}\n", made->key);
    return 0;
}

int run_list(const KeysOptions& options) {
    auto opened = open_keys(options.data_dir);
    if (!opened.ok()) return fail(opened.error());
    auto records = (*opened)->keys->list(options.all);
    if (!records.ok()) return fail(records.error());
    if (records->empty()) {
        fmt::print("no {}API keys (create one: hearth keys create --name NAME --role ROLE)\n",
                   options.all ? "" : "active ");
        return 0;
    }
    auto when = [](std::optional<int64_t> unix_ms) {
        return unix_ms ? access::format_utc(*unix_ms) : std::string("-");
    };
    fmt::print("{:>4}  {:<24} {:<8} {:>7} {:>10} {:>4}  {:<20}  {:<20}  {:<20}  {:<10}  {}\n",
               "ID", "NAME", "ROLE", "RPM", "TPM", "CONC", "CREATED", "LAST USED", "EXPIRES",
               "PREFIX", options.all ? "REVOKED" : "");
    for (const access::KeyRecord& record : *records) {
        fmt::print("{:>4}  {:<24} {:<8} {:>7} {:>10} {:>4}  {:<20}  {:<20}  {:<20}  {:<10}  {}\n",
                   record.id, record.name, access::role_name(record.role),
                   limit_text(record.limits.rpm), limit_text(record.limits.tpm),
                   limit_text(record.limits.max_concurrent), when(record.created_unix_ms),
                   when(record.last_used_unix_ms), when(record.expires_unix_ms),
                   record.prefix.empty() ? "-" : record.prefix + "...",
                   options.all ? when(record.revoked_unix_ms) : "");
    }
    return 0;
}

int run_revoke(const KeysOptions& options) {
    auto opened = open_keys(options.data_dir);
    if (!opened.ok()) return fail(opened.error());
    auto revoked = (*opened)->keys->revoke(options.target, cli_actor());
    if (!revoked.ok()) return fail(revoked.error());
    fmt::print("revoked key {} '{}'\n", revoked->id, revoked->name);
    return 0;
}

}  // namespace

Runner add_keys(CLI::App& app) {
    auto* keys = app.add_subcommand("keys", "Create, list and revoke API keys");
    keys->require_subcommand(1);
    auto options = std::make_shared<KeysOptions>();
    auto add_data_dir = [&](CLI::App* command) {
        command->add_option("--data-dir", options->data_dir,
                             "Folder of Hearth's state (default: $XDG_DATA_HOME/hearth or "
                             "~/.local/share/hearth)");
    };

    auto* create = keys->add_subcommand("create", "Create a key and print it (once)");
    create->add_option("--name", options->name, "Unique name (letters, digits, . _ - @)")
        ->required();
    create->add_option("--role", options->role, "admin, operator, user or guest")
        ->required()
        ->check(CLI::IsMember({"admin", "operator", "user", "guest"}));
    create->add_option("--rpm", options->rpm, "Requests per minute (0: unlimited)");
    create->add_option("--tpm", options->tpm, "Tokens per minute (0: unlimited)");
    create->add_option("--max-concurrent", options->max_concurrent,
                       "Requests in flight at once (0: unlimited)");
    create->add_option("--expires", options->expires,
                       "2026-03-01 (UTC midnight), 2026-03-01T12:00:00Z, 30d or 12h");
    add_data_dir(create);

    auto* list = keys->add_subcommand("list", "List keys (never their values)");
    list->add_flag("--all", options->all, "Include revoked keys");
    add_data_dir(list);

    auto* revoke = keys->add_subcommand("revoke", "Revoke a key by id or name");
    revoke->add_option("key", options->target, "The key's id or name")->required();
    add_data_dir(revoke);

    return [options, create, list, revoke]() {
        if (create->parsed()) return run_create(*options);
        if (list->parsed()) return run_list(*options);
        if (revoke->parsed()) return run_revoke(*options);
        return 1;
    };
}

}  // namespace hearth::cli
