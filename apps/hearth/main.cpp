// hearth: the local AI server and its command-line tools.
#include <cstdio>
#include <string>
#include <vector>

#include "apps/hearth/commands.h"
#include "base/log.h"

int main(int argc, char** argv) {
    CLI::App app{"Hearth: a local AI server for language, speech and image models"};
    app.require_subcommand(1);
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->envname("HEARTH_LOG_LEVEL");

    std::vector<std::pair<CLI::App*, hearth::cli::Runner>> commands;
    auto remember = [&](hearth::cli::Runner runner) {
        commands.emplace_back(app.get_subcommands({}).back(), std::move(runner));
    };
    remember(hearth::cli::add_run(app));
    remember(hearth::cli::add_info(app));
    remember(hearth::cli::add_tokenize(app));
    remember(hearth::cli::add_quantize(app));
    remember(hearth::cli::add_perplexity(app));
    remember(hearth::cli::add_bench(app));
    remember(hearth::cli::add_keys(app));
    remember(hearth::cli::add_serve(app));
    remember(hearth::cli::add_speak(app));
    remember(hearth::cli::add_transcribe(app));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error);
    }
    hearth::log::setup(log_level);
    for (auto& [command, runner] : commands)
        if (command->parsed()) return runner();
    return 1;
}
