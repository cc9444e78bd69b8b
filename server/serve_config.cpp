#include "server/serve_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <limits>

namespace hearth::server {

namespace {

template <typename Int>
Status parse_int(const std::string& text, Int min, Int max, Int& out) {
    int64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) return Error::make(Errc::kInvalidArgument, "'{}' is not an integer", text);
    if (value < static_cast<int64_t>(min) || value > static_cast<int64_t>(max))
        return Error::make(Errc::kInvalidArgument, "{} is outside {}..{}", value, min, max);
    out = static_cast<Int>(value);
    return ok_status();
}

// Seconds, fractional allowed ("2.5").
Status parse_seconds(const std::string& text, std::chrono::milliseconds& out) {
    double seconds = 0;
    try {
        size_t used = 0;
        seconds = std::stod(text, &used);
        if (used != text.size()) throw std::invalid_argument(text);
    } catch (const std::exception&) {
        return Error::make(Errc::kInvalidArgument, "'{}' is not a number of seconds", text);
    }
    if (!(seconds > 0) || seconds > 86400 * 7)
        return Error::make(Errc::kInvalidArgument, "{} seconds is outside (0, 604800]", text);
    out = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    return ok_status();
}

std::string seconds_text(std::chrono::milliseconds value) {
    return fmt::format("{}", static_cast<double>(value.count()) / 1000.0);
}

// An integer option stored in a field of ServeConfig.
template <typename Field>
ServeOption typed_option(std::string flag, std::string key, std::string help, int64_t min, int64_t max,
                         Field ServeConfig::*member, std::string short_flag = "") {
    std::string env = "HEARTH_" + key;
    for (char& c : env) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return ServeOption{std::move(flag), std::move(short_flag), key, env, std::move(help), false,
                       [member, min, max](ServeConfig& config, const std::string& text) -> Status {
                           int64_t value = 0;
                           HEARTH_TRY(parse_int<int64_t>(text, min, max, value));
                           config.*member = static_cast<Field>(value);
                           return ok_status();
                       },
                       [member](const ServeConfig& config) { return std::to_string(config.*member); }};
}

template <typename Field>
ServeOption http_option(std::string flag, std::string key, std::string help, int64_t min, int64_t max,
                        Field HttpServerConfig::*member) {
    std::string env = "HEARTH_" + key;
    for (char& c : env) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return ServeOption{std::move(flag), "", key, env, std::move(help), false,
                       [member, min, max](ServeConfig& config, const std::string& text) -> Status {
                           int64_t value = 0;
                           HEARTH_TRY(parse_int<int64_t>(text, min, max, value));
                           config.http.*member = static_cast<Field>(value);
                           return ok_status();
                       },
                       [member](const ServeConfig& config) { return std::to_string(config.http.*member); }};
}

ServeOption string_option(std::string flag, std::string key, std::string help, std::string ServeConfig::*member) {
    std::string env = "HEARTH_" + key;
    for (char& c : env) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return ServeOption{std::move(flag), "", key, env, std::move(help), false,
                       [member](ServeConfig& config, const std::string& text) -> Status {
                           config.*member = text;
                           return ok_status();
                       },
                       [member](const ServeConfig& config) { return config.*member; }};
}

ServeOption timeout_option(std::string flag, std::string key, std::string help,
                           std::function<std::chrono::milliseconds&(ServeConfig&)> field_of) {
    std::string env = "HEARTH_" + key;
    for (char& c : env) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return ServeOption{std::move(flag), "", key, env, std::move(help), false,
                       [field_of](ServeConfig& config, const std::string& text) {
                           return parse_seconds(text, field_of(config));
                       },
                       [field_of](const ServeConfig& config) {
                           return seconds_text(field_of(const_cast<ServeConfig&>(config)));
                       }};
}

ServeOption bool_option(std::string flag, std::string key, std::string help, bool ServeConfig::*member) {
    std::string env = "HEARTH_" + key;
    for (char& c : env) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return ServeOption{std::move(flag), "", key, env, std::move(help), true,
                       [member](ServeConfig& config, const std::string& text) -> Status {
                           if (text == "true" || text == "1" || text == "yes") config.*member = true;
                           else if (text == "false" || text == "0" || text == "no") config.*member = false;
                           else return Error::make(Errc::kInvalidArgument, "'{}' is not true or false", text);
                           return ok_status();
                       },
                       [member](const ServeConfig& config) { return std::string(config.*member ? "true" : "false"); }};
}

std::vector<ServeOption> make_options() {
    std::vector<ServeOption> options;
    options.push_back(ServeOption{"--host", "", "host", "HEARTH_HOST", "Address to listen on", false,
                                  [](ServeConfig& config, const std::string& text) -> Status {
                                      config.http.host = text;
                                      return ok_status();
                                  },
                                  [](const ServeConfig& config) { return config.http.host; }});
    options.push_back(http_option("--port", "port", "TCP port (0: any free port)", 0, 65535, &HttpServerConfig::port));
    options.push_back(string_option("--models", "models", "Folder of GGUF models to serve", &ServeConfig::models_dir));
    options.push_back(string_option("--builtin-model", "builtin_model", "The built-in model's file (\"\": none)",
                                    &ServeConfig::builtin_model));
    options.push_back(string_option("--default-model", "default_model", "Model id for requests that name none",
                                    &ServeConfig::default_model));
    options.push_back(string_option("--chat-template-file", "chat_template_file",
                                    "Jinja chat template used instead of every model's own", &ServeConfig::chat_template_file));
    options.push_back(typed_option("--threads", "threads", "Compute threads (0: physical cores)", 0, 1024,
                                   &ServeConfig::threads, "-t"));
    options.push_back(typed_option("--ctx", "ctx", "Context size per sequence, in tokens", 16, 1 << 22, &ServeConfig::ctx));
    options.push_back(typed_option("--parallel", "parallel", "Sequences each model decodes at once", 1, 1024,
                                   &ServeConfig::parallel));
    options.push_back(typed_option("--max-queued", "max_queued", "Generation requests that may wait", 1, 1 << 20,
                                   &ServeConfig::max_queued));
    options.push_back(typed_option("--max-audio-seconds", "max_audio_seconds",
                                   "Longest audio a transcription accepts, in seconds", 1, 24 * 3600,
                                   &ServeConfig::max_audio_seconds));
    options.push_back(typed_option("--stt-decoders", "stt_decoders",
                                   "Speech recognizer decoders (concurrent transcriptions)", 1, 64,
                                   &ServeConfig::stt_decoders));
    options.push_back(typed_option("--stt-batch-window-ms", "stt_batch_window_ms",
                                   "Transcriptions arriving within this many ms of the first start together", 0,
                                   10000, &ServeConfig::stt_batch_window_ms));
    options.push_back(typed_option("--keep-alive", "keep_alive", "Seconds an idle model stays loaded (-1: forever)",
                                   -1, int64_t{1} << 40, &ServeConfig::keep_alive_seconds));
    options.push_back(typed_option("--memory-budget-mb", "memory_budget_mb", "Memory for models, MiB (0: 75% of RAM)",
                                   0, int64_t{1} << 40, &ServeConfig::memory_budget_mb));
    options.push_back(http_option("--http-threads", "http_threads", "Threads for network I/O", 1, 256,
                                  &HttpServerConfig::io_threads));
    options.push_back(http_option("--max-connections", "max_connections", "Open connections at once (503 past it)", 1,
                                  1 << 20, &HttpServerConfig::max_connections));
    options.push_back(http_option("--max-header-bytes", "max_header_bytes", "Largest request header (431 past it)",
                                  1024, 1 << 20, &HttpServerConfig::max_header_bytes));
    options.push_back(http_option("--max-body-bytes", "max_body_bytes", "Largest request body (413 past it)", 1024,
                                  int64_t{1} << 32, &HttpServerConfig::max_body_bytes));
    options.push_back(http_option("--max-queued-responses", "max_queued_responses",
                                  "Pipelined requests answered in order per connection", 1, 1024,
                                  &HttpServerConfig::max_queued_responses));
    options.push_back(typed_option("--max-stream-buffer-bytes", "max_stream_buffer_bytes",
                                   "How far a streaming client may fall behind before it is dropped", 4096,
                                   int64_t{1} << 32, &ServeConfig::max_stream_buffer_bytes));
    options.push_back(timeout_option("--idle-timeout", "idle_timeout", "Seconds an idle connection stays open",
                                     [](ServeConfig& config) -> std::chrono::milliseconds& { return config.http.idle_timeout; }));
    options.push_back(timeout_option("--read-timeout", "read_timeout", "Seconds to receive a request's body",
                                     [](ServeConfig& config) -> std::chrono::milliseconds& { return config.http.read_timeout; }));
    options.push_back(timeout_option("--write-timeout", "write_timeout", "Seconds for one write to a client",
                                     [](ServeConfig& config) -> std::chrono::milliseconds& { return config.http.write_timeout; }));
    options.push_back(timeout_option("--drain-timeout", "drain_timeout",
                                     "Seconds in-flight requests get to finish on SIGINT/SIGTERM",
                                     [](ServeConfig& config) -> std::chrono::milliseconds& { return config.drain_timeout; }));
    options.push_back(ServeOption{"--tls-cert", "", "tls_cert", "HEARTH_TLS_CERT",
                                  "PEM certificate chain: serve HTTPS (with --tls-key)", false,
                                  [](ServeConfig& config, const std::string& text) -> Status {
                                      config.http.tls_cert_file = text;
                                      return ok_status();
                                  },
                                  [](const ServeConfig& config) { return config.http.tls_cert_file; }});
    options.push_back(ServeOption{"--tls-key", "", "tls_key", "HEARTH_TLS_KEY", "PEM private key of --tls-cert", false,
                                  [](ServeConfig& config, const std::string& text) -> Status {
                                      config.http.tls_key_file = text;
                                      return ok_status();
                                  },
                                  [](const ServeConfig& config) { return config.http.tls_key_file; }});
    options.push_back(string_option("--data-dir", "data_dir",
                                    "Folder for API keys and the audit log (default: $XDG_DATA_HOME/hearth or "
                                    "~/.local/share/hearth)",
                                    &ServeConfig::data_dir));
    options.push_back(bool_option("--require-auth", "require_auth",
                                  "Require an API key on every request, also on loopback", &ServeConfig::require_auth));
    options.push_back(bool_option("--insecure-no-auth", "insecure_no_auth",
                                  "Serve without API keys beyond loopback (every client is admin)",
                                  &ServeConfig::insecure_no_auth));
    options.push_back(ServeOption{"--anonymous-role", "", "anonymous_role", "HEARTH_ANONYMOUS_ROLE",
                                  "Role of requests without a key when auth is optional (loopback): admin, operator, "
                                  "user or guest",
                                  false,
                                  [](ServeConfig& config, const std::string& text) -> Status {
                                      if (text != "admin" && text != "operator" && text != "user" && text != "guest")
                                          return Error::make(Errc::kInvalidArgument,
                                                             "'{}' is not a role (admin, operator, user, guest)", text);
                                      config.anonymous_role = text;
                                      return ok_status();
                                  },
                                  [](const ServeConfig& config) { return config.anonymous_role; }});
    options.push_back(typed_option("--auth-failures-per-minute", "auth_failures_per_minute",
                                   "Failed authentications a client address may make per minute (429 past it)", 1,
                                   1'000'000, &ServeConfig::auth_failures_per_minute));
    options.push_back(string_option("--cors-origins", "cors_origins",
                                    "Origins allowed to call from a browser, comma-separated (\"\": none, \"*\": any)",
                                    &ServeConfig::cors_origins));
    return options;
}

}  // namespace

const std::vector<ServeOption>& serve_options() {
    static const std::vector<ServeOption> options = make_options();
    return options;
}

Result<ServeConfig> resolve_serve_config(ServeConfig defaults, const std::map<std::string, std::string>& flags,
                                         const std::string& config_file,
                                         const std::function<std::optional<std::string>(const std::string&)>& getenv) {
    std::map<std::string, std::string> from_file;
    if (!config_file.empty()) {
        if (!std::filesystem::exists(config_file))
            return Error::make(Errc::kNotFound, "config file '{}' does not exist", config_file);
        YAML::Node root;
        try {
            root = YAML::LoadFile(config_file);
        } catch (const YAML::Exception& error) {
            return Error::make(Errc::kInvalidArgument, "{}: {}", config_file, error.what());
        }
        if (!root.IsNull() && !root.IsMap())
            return Error::make(Errc::kInvalidArgument, "{}: expected a mapping of option: value", config_file);
        for (const auto& item : root) {
            const std::string key = item.first.as<std::string>();
            bool known = false;
            for (const ServeOption& option : serve_options()) known = known || option.key == key;
            if (!known) return Error::make(Errc::kInvalidArgument, "{}: unknown key '{}'", config_file, key);
            if (!item.second.IsScalar())
                return Error::make(Errc::kInvalidArgument, "{}: '{}' must be a single value", config_file, key);
            from_file[key] = item.second.as<std::string>();
        }
    }
    ServeConfig config = std::move(defaults);
    for (const ServeOption& option : serve_options()) {
        std::string source;
        std::optional<std::string> text;
        if (auto flag = flags.find(option.key); flag != flags.end()) {
            text = flag->second;
            source = option.flag;
        } else if (auto env = getenv(option.env)) {
            text = *env;
            source = option.env;
        } else if (auto entry = from_file.find(option.key); entry != from_file.end()) {
            text = entry->second;
            source = config_file + ": " + option.key;
        }
        if (!text) continue;
        if (Status status = option.set(config, *text); !status.ok()) return status.error().wrap("{}", source);
    }
    return config;
}

}  // namespace hearth::server
