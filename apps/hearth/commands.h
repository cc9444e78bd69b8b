// The `hearth` command line: each subcommand registers its options on the CLI11 app and returns
// the function that runs it (exit code).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace hearth::cli {

using Runner = std::function<int()>;

Runner add_info(CLI::App& app);
Runner add_run(CLI::App& app);
Runner add_tokenize(CLI::App& app);
Runner add_quantize(CLI::App& app);
Runner add_perplexity(CLI::App& app);
Runner add_bench(CLI::App& app);
Runner add_keys(CLI::App& app);
Runner add_serve(CLI::App& app);
Runner add_speak(CLI::App& app);
Runner add_transcribe(CLI::App& app);

}  // namespace hearth::cli
