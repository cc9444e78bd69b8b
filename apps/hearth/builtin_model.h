// The built-in model: Hearth's own small fortune-teller language model (models/README.md), used
// when the user names no model (`hearth run -p ...` without -m, `hearth serve` without models).
//
// Where it is found, first match wins:
//   1. the environment variable HEARTH_BUILTIN_MODEL, when set and not empty (tests, packagers,
//      a user who wants another default);
//   2. the path compiled in by CMake: the repository's models/fortune-teller.gguf.
// Thread-safe (reads the environment and the file system only).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace hearth::cli {

// The id the server lists the built-in model under (/v1/models) and the name `hearth run`
// reports.
inline constexpr std::string_view kBuiltinModelId = "fortune-teller";
inline constexpr const char* kBuiltinModelEnv = "HEARTH_BUILTIN_MODEL";

// The path the built-in model would be read from, whether or not the file exists.
std::string builtin_model_location();

// The path of the built-in model; an error (kNotFound) naming the path and the variable when
// there is no file there.
Result<std::string> builtin_model_path();

}  // namespace hearth::cli
