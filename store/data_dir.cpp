#include "store/data_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace hearth::store {

Result<std::filesystem::path> default_data_dir() {
    // XDG: a relative XDG_DATA_HOME is invalid and must be ignored.
    const char* xdg = std::getenv("XDG_DATA_HOME");
    if (xdg != nullptr && xdg[0] == '/') return std::filesystem::path(xdg) / "hearth";
    const char* home = std::getenv("HOME");
    if (home != nullptr && home[0] == '/')
        return std::filesystem::path(home) / ".local" / "share" / "hearth";
    return Error::make(Errc::kNotFound,
                       "no data folder: set --data-dir, XDG_DATA_HOME or HOME (absolute paths)");
}

Result<std::filesystem::path> prepare_data_dir(std::string_view chosen) {
    std::filesystem::path dir;
    if (chosen.empty()) {
        HEARTH_ASSIGN_OR_RETURN(dir, default_data_dir());
    } else {
        dir = std::filesystem::path(chosen);
    }
    std::error_code error;
    if (std::filesystem::exists(dir, error)) {
        if (!std::filesystem::is_directory(dir, error))
            return Error::make(Errc::kIo, "data folder '{}' exists and is not a folder",
                               dir.string());
        return dir;
    }
    // Parents get the usual mode; the data folder itself is private to the user.
    if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), error);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return Error::make(Errc::kIo, "cannot create data folder '{}': {}", dir.string(),
                           std::strerror(errno));
    return dir;
}

}  // namespace hearth::store
