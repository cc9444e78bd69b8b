// The folder that holds Hearth's state (the database, the key-hashing secret): --data-dir, or
// else $XDG_DATA_HOME/hearth, or else $HOME/.local/share/hearth (the XDG base directory rules).
#pragma once

#include <filesystem>
#include <string_view>

#include "base/result.h"

namespace hearth::store {

// The default folder from the environment; kNotFound when neither XDG_DATA_HOME nor HOME is set
// (as an absolute path).
Result<std::filesystem::path> default_data_dir();

// `chosen` when not empty, else default_data_dir(); the folder is created (mode 0700, parents as
// needed) when missing. kIo when it cannot be created or is not a folder.
Result<std::filesystem::path> prepare_data_dir(std::string_view chosen);

}  // namespace hearth::store
