// hearth serve: the HTTP server (OpenAI, Ollama and native APIs) over every configured model.
// Options: server/serve_config.h (flag > HEARTH_* environment > YAML config > default).
// SIGINT/SIGTERM drain: stop accepting, let in-flight requests finish within --drain-timeout,
// cancel the rest, exit 0.
#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/hearth/builtin_model.h"
#include "apps/hearth/commands.h"
#include "base/log.h"
#include "base/metrics.h"
#include "access/permissions.h"
#include "server/api/access_control.h"
#include "server/api/api.h"
#include "server/http_server.h"
#include "server/serve_config.h"
#include "serving/scheduler.h"

namespace hearth::cli {

namespace {

Result<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error::make(Errc::kNotFound, "cannot read '{}'", path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

Result<serving::ServiceConfig> service_config(const server::ServeConfig& config) {
    serving::ServiceConfig out;
    if (!config.builtin_model.empty()) {
        if (std::filesystem::exists(config.builtin_model)) {
            manager::ModelEntry entry;
            entry.id = std::filesystem::path(config.builtin_model).stem().string();
            entry.path = config.builtin_model;
            entry.builtin = true;
            HEARTH_TRY(out.catalog.add(std::move(entry)));
        } else {
            log::info("serve: no built-in model at {}", config.builtin_model);
        }
    }
    if (!config.models_dir.empty()) HEARTH_TRY(out.catalog.add_directory(config.models_dir));
    out.catalog.add_builtin_speech();
    if (out.catalog.entries().empty())
        return Error::make(Errc::kNotFound, "no models to serve: pass --models DIR (a folder of .gguf files)");
    out.max_audio_seconds = static_cast<double>(config.max_audio_seconds);
    out.manager.stt_decoders = config.stt_decoders;
    out.manager.stt_batch_window_ms = config.stt_batch_window_ms;
    out.manager.n_threads = config.threads;
    out.manager.n_ctx = config.ctx;
    out.manager.n_parallel = config.parallel;
    out.manager.keep_alive_ms = config.keep_alive_seconds < 0 ? -1 : config.keep_alive_seconds * 1000;
    out.manager.budget_bytes = config.memory_budget_mb << 20;
    out.default_model = config.default_model;
    out.max_queued = config.max_queued;
    if (!config.chat_template_file.empty()) {
        HEARTH_ASSIGN_OR_RETURN(out.chat_template, read_file(config.chat_template_file));
    }
    return out;
}

int serve(const server::ServeConfig& config) {
    // Signals are taken by sigwait() below: block them before any thread starts.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    auto service_cfg = service_config(config);
    if (!service_cfg.ok()) {
        log::error("serve: {}", service_cfg.error().message);
        return 1;
    }
    // Keys and the audit log first: a server that cannot enforce access must not start.
    auto mode = server::api::decide_auth_mode(config.http.host, config.require_auth, config.insecure_no_auth);
    if (!mode.ok()) {
        log::error("serve: {}", mode.error().message);
        return 2;
    }
    server::api::AccessSetup access_setup;
    access_setup.data_dir = config.data_dir;
    access_setup.mode = *mode;
    access_setup.auth_failures_per_minute = config.auth_failures_per_minute;
    access_setup.anonymous_role = access::parse_role(config.anonymous_role).value_or(access::Role::kGuest);
    if (const char* admin_key = std::getenv("HEARTH_ADMIN_KEY"); admin_key && *admin_key) access_setup.admin_key = admin_key;
    auto access_control = server::api::AccessControl::open(access_setup);
    if (!access_control.ok()) {
        log::error("serve: {}", access_control.error().message);
        return 1;
    }
    if (*mode == server::api::AuthMode::kOff)
        log::warn("serve: --insecure-no-auth: every client that reaches {} is an administrator", config.http.host);
    if (const auto& admin = (*access_control)->new_admin_key()) {
        // Printed once, on stdout; only its keyed hash is stored.
        fmt::print("bootstrap admin key (shown once; store it now): {}\n", admin->key);
        std::fflush(stdout);
    }
    const size_t n_models = service_cfg->catalog.entries().size();
    std::unique_ptr<serving::Service> service = serving::make_service(std::move(*service_cfg));
    metrics::Registry registry;
    server::api::ApiConfig api_config;
    api_config.max_stream_buffer_bytes = config.max_stream_buffer_bytes;
    api_config.cors_origins = config.cors_origins;
    server::api::Api api(*service, registry, api_config, (*access_control)->gate());
    auto started = server::HttpServer::start(config.http, api.handlers());
    if (!started.ok()) {
        log::error("serve: {}", started.error().message);
        return 1;
    }
    std::unique_ptr<server::HttpServer> http = std::move(*started);
    api.set_transport_stats([raw = http.get()] {
        return server::api::TransportStats{raw->open_connections(), raw->requests_in_flight()};
    });
    log::info("hearth: listening on {}://{}:{} ({} models, default '{}'; auth {}, data in {})",
              config.http.tls_cert_file.empty() ? "http" : "https", config.http.host, http->port(), n_models,
              service->default_model(), server::api::auth_mode_name(*mode),
              (*access_control)->data_dir().string());

    int signal_number = 0;
    sigwait(&signals, &signal_number);
    log::info("hearth: {} received; draining (up to {} ms)", signal_number == SIGINT ? "SIGINT" : "SIGTERM",
              config.drain_timeout.count());
    api.set_draining(true);
    http->stop_accepting();
    service->stop_accepting();
    const int64_t left = http->wait_idle(config.drain_timeout);
    if (left > 0) log::warn("hearth: {} requests still running at the deadline; cancelling them", left);
    service->drain(std::chrono::milliseconds(0));
    http->wait_idle(std::chrono::milliseconds(1000));   // cancelled streams send their last event
    http->shutdown();
    api.set_transport_stats(nullptr);
    api.finish_blocking_calls();   // they call into the service
    service.reset();   // joins the engines: no event arrives after this
    http.reset();
    log::info("hearth: stopped");
    return 0;
}

}  // namespace

Runner add_serve(CLI::App& app) {
    const auto& options = server::serve_options();
    auto values = std::make_shared<std::vector<std::string>>(options.size());
    auto config_file = std::make_shared<std::string>();
    auto* command = app.add_subcommand(
        "serve", "Serve models over HTTP: OpenAI and Ollama APIs (each option also reads a YAML config key and a "
                 "HEARTH_* environment variable; flag > environment > config > default)");
    std::vector<CLI::Option*> cli_options;
    for (size_t idx = 0; idx < options.size(); ++idx) {
        const auto& option = options[idx];
        const std::string names = option.short_flag.empty() ? option.flag : option.short_flag + "," + option.flag;
        const std::string help = fmt::format("{} [config: {}, env: {}]", option.help, option.key, option.env);
        cli_options.push_back(option.is_flag ? command->add_flag(names, help)
                                             : command->add_option(names, (*values)[idx], help));
    }
    command->add_option("--config", *config_file, "YAML file of option: value [env: HEARTH_CONFIG]");
    return [values, config_file, cli_options]() {
        const auto& options = server::serve_options();
        std::map<std::string, std::string> flags;
        for (size_t idx = 0; idx < options.size(); ++idx)
            if (cli_options[idx]->count() > 0) flags[options[idx].key] = options[idx].is_flag ? "true" : (*values)[idx];
        std::string config_path = *config_file;
        if (config_path.empty())
            if (const char* env = std::getenv("HEARTH_CONFIG")) config_path = env;
        server::ServeConfig defaults;
        defaults.builtin_model = builtin_model_location();
        auto config = server::resolve_serve_config(defaults, flags, config_path, [](const std::string& name) {
            const char* value = std::getenv(name.c_str());
            return value ? std::optional<std::string>(value) : std::nullopt;
        });
        if (!config.ok()) {
            fmt::print(stderr, "error: {}\n", config.error().message);
            return 2;
        }
        return serve(*config);
    };
}

}  // namespace hearth::cli
