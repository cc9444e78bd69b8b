// The configuration of `hearth serve`. Every option has a command-line flag, a key in the YAML
// config file and a HEARTH_* environment variable; each option takes its value from the first of
//
//     flag  >  environment  >  config file  >  default
//
// The table serve_options() is the one list of them (docs/api.md prints it).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "server/http_server.h"

namespace hearth::server {

struct ServeConfig {
    HttpServerConfig http;                       // host, port, limits, timeouts, I/O threads
    std::string models_dir;                      // *.gguf files to serve ("" none)
    std::string builtin_model;                   // the built-in model's file ("" none)
    std::string default_model;                   // id for requests that name none ("" the first)
    std::string chat_template_file;              // overrides every model's chat template
    int32_t threads = 0;                         // compute threads (0: physical cores)
    int32_t ctx = 4096;                          // context per sequence
    int32_t parallel = 4;                        // parallel sequences per model
    int32_t max_queued = 256;                    // generation requests waiting across models
    int64_t max_audio_seconds = 1800;            // longest audio a transcription accepts
    int32_t stt_decoders = 2;                    // speech recognizer decoders (worker threads)
    int32_t stt_batch_window_ms = 5;             // transcriptions arriving this close start together
    int64_t keep_alive_seconds = 300;            // idle models unload after this (-1 never)
    uint64_t memory_budget_mb = 0;               // 0: 75% of physical memory
    std::chrono::milliseconds drain_timeout{10'000};
    size_t max_stream_buffer_bytes = size_t{8} << 20;
    // Access control (docs/security.md).
    std::string data_dir;                        // keys and audit log ("" the per-user data folder)
    bool require_auth = false;                   // keys needed even on loopback
    bool insecure_no_auth = false;               // no keys needed even beyond loopback (everyone is admin)
    std::string anonymous_role = "user";         // what requests without a key may do on loopback
    int64_t auth_failures_per_minute = 10;       // failed authentications allowed per client address
    std::string cors_origins;                    // comma-separated origins allowed cross-site ("" none, "*" any)
};

struct ServeOption {
    std::string flag;        // "--port" (and a short alias in `short_flag`)
    std::string short_flag;  // "-t" or ""
    std::string key;         // YAML key: "port"
    std::string env;         // HEARTH_PORT
    std::string help;
    bool is_flag = false;    // a switch without a value on the command line ("true"/"false" elsewhere)
    std::function<Status(ServeConfig&, const std::string&)> set;   // parses the text form
    std::function<std::string(const ServeConfig&)> get;             // the value, as text
};

const std::vector<ServeOption>& serve_options();

// `defaults`: the values no source sets. `flags`: YAML key -> text of the options given on the command line. `config_file`: from
// --config or HEARTH_CONFIG (empty: none). `getenv` reads the environment (tests pass a map).
// Errors name the source: "HEARTH_PORT: 'x' is not an integer", "config.yaml: unknown key 'prot'".
Result<ServeConfig> resolve_serve_config(ServeConfig defaults, const std::map<std::string, std::string>& flags,
                                         const std::string& config_file,
                                         const std::function<std::optional<std::string>(const std::string&)>& getenv);

}  // namespace hearth::server
