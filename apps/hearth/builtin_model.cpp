#include "apps/hearth/builtin_model.h"

#include <cstdlib>
#include <filesystem>

#ifndef HEARTH_BUILTIN_MODEL_PATH
#error "apps/hearth/CMakeLists.txt defines HEARTH_BUILTIN_MODEL_PATH"
#endif

namespace hearth::cli {

std::string builtin_model_location() {
    const char* from_env = std::getenv(kBuiltinModelEnv);
    if (from_env != nullptr && *from_env != '\0') return from_env;
    return HEARTH_BUILTIN_MODEL_PATH;
}

Result<std::string> builtin_model_path() {
    std::string path = builtin_model_location();
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
        return Error::make(Errc::kNotFound,
                           "the built-in model '{}' is missing (set {} to a GGUF file, or name a model with -m)",
                           path, kBuiltinModelEnv);
    return path;
}

}  // namespace hearth::cli
