// The catalog: every model the server knows, whether loaded or not. Built from the built-in
// model, the files of the models directory (id = file name without .gguf) and YAML config
// entries. Ids are names, never paths: a request's model id is only ever looked up here, so no
// request can make the server open a file the catalog does not list.
// Threads: built once at start-up, then read-only (any thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace hearth::manager {

struct ModelEntry {
    std::string id;
    std::string path;
    std::string kind = "llm";              // "llm", "tts" (path: espeak-ng-data), "stt" (path: model folder)
    int32_t n_ctx = 0;                     // 0: the manager's default (capped by the model's)
    int32_t n_parallel = 0;                // 0: the manager's default
    std::optional<int64_t> keep_alive_ms;  // -1: never unload; 0: unload when idle; empty: default
    bool pinned = false;                   // never evicted (only an explicit unload)
    int default_priority = 2;              // 0 urgent .. 3 low, for requests that name none
    bool builtin = false;
};

// Model ids: 1-128 characters of [A-Za-z0-9._:-], not starting with '.'.
bool valid_model_id(std::string_view id);

class Catalog {
public:
    // Adds an entry; kInvalidArgument for a bad id or a duplicate, kNotFound for a missing file.
    Status add(ModelEntry entry);
    // Adds every *.gguf file in `dir` (not recursive). Files whose id is taken are skipped with
    // a warning. kNotFound if the directory does not exist.
    Status add_directory(const std::string& dir);

    // Adds the built-in speech models whose Debian data is installed: "espeak" (tts) and
    // "pocketsphinx-en-us" (stt). Missing data is skipped with a note in the log.
    void add_builtin_speech();

    const ModelEntry* find(std::string_view id) const;
    const std::vector<ModelEntry>& entries() const { return entries_; }

private:
    std::vector<ModelEntry> entries_;
};

}  // namespace hearth::manager
