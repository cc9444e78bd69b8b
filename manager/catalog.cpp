#include "manager/catalog.h"

#include <algorithm>
#include <filesystem>

#include "base/log.h"

namespace hearth::manager {

bool valid_model_id(std::string_view id) {
    if (id.empty() || id.size() > 128 || id.front() == '.') return false;
    return std::all_of(id.begin(), id.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
               ch == '_' || ch == '-' || ch == ':';
    });
}

Status Catalog::add(ModelEntry entry) {
    if (!valid_model_id(entry.id))
        return Error::make(Errc::kInvalidArgument, "model id '{}' is not valid (1-128 of A-Z a-z 0-9 . _ - :)",
                           entry.id);
    if (find(entry.id)) return Error::make(Errc::kAlreadyExists, "model id '{}' is listed twice", entry.id);
    std::error_code error;
    const bool exists = entry.kind == "llm" ? std::filesystem::is_regular_file(entry.path, error)
                                            : std::filesystem::is_directory(entry.path, error);
    if (entry.kind != "llm" && entry.kind != "tts" && entry.kind != "stt")
        return Error::make(Errc::kInvalidArgument, "model '{}': kind must be llm, tts or stt", entry.id);
    if (!exists)
        return Error::make(Errc::kNotFound, "model '{}': file '{}' does not exist", entry.id, entry.path);
    if (entry.default_priority < 0 || entry.default_priority > 3)
        return Error::make(Errc::kInvalidArgument, "model '{}': default priority must be 0..3", entry.id);
    entries_.push_back(std::move(entry));
    return {};
}

void Catalog::add_builtin_speech() {
    const std::pair<const char*, const char*> builtins[] = {
        {"espeak", "/usr/lib/x86_64-linux-gnu/espeak-ng-data"},
        {"pocketsphinx-en-us", "/usr/share/pocketsphinx/model/en-us"},
    };
    for (const auto& [id, path] : builtins) {
        if (find(id)) continue;
        ModelEntry entry;
        entry.id = id;
        entry.path = path;
        entry.kind = std::string_view(id) == "espeak" ? "tts" : "stt";
        entry.builtin = true;
        if (Status added = add(std::move(entry)); !added.ok())
            log::info("catalog: built-in speech model '{}' not available: {}", id, added.error().message);
    }
}

Status Catalog::add_directory(const std::string& dir) {
    std::error_code error;
    if (!std::filesystem::is_directory(dir, error))
        return Error::make(Errc::kNotFound, "models directory '{}' does not exist", dir);
    std::vector<std::filesystem::path> files;
    for (const auto& item : std::filesystem::directory_iterator(dir, error))
        if (item.is_regular_file() && item.path().extension() == ".gguf") files.push_back(item.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        ModelEntry entry;
        entry.id = file.stem().string();
        entry.path = file.string();
        Status added = add(entry);
        if (!added.ok()) log::warn("skipping {}: {}", file.string(), added.error().message);
    }
    return {};
}

const ModelEntry* Catalog::find(std::string_view id) const {
    for (const ModelEntry& entry : entries_)
        if (entry.id == id) return &entry;
    return nullptr;
}

}  // namespace hearth::manager
