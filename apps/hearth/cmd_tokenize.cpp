// hearth tokenize -m FILE (-p TEXT | -f FILE) [--ids] [--no-bos]: show how a model's vocabulary
// splits text. Works on vocabulary-only GGUF files (no tensors needed).
#include <fstream>
#include <sstream>

#include <fmt/ranges.h>

#include "apps/hearth/commands.h"
#include "formats/gguf.h"
#include "text/tokenizer.h"

namespace hearth::cli {

Runner add_tokenize(CLI::App& app) {
    struct Options {
        std::string model, prompt, file;
        bool ids = false, no_bos = false, no_parse_special = false;
    };
    auto opt = std::make_shared<Options>();
    auto* command = app.add_subcommand("tokenize", "Print the tokens of a text in a model's vocabulary");
    command->add_option("-m,--model", opt->model, "GGUF model or vocabulary file")->required();
    auto* prompt = command->add_option("-p,--prompt", opt->prompt, "Text to tokenize");
    auto* file = command->add_option("-f,--file", opt->file, "Read the text from this file");
    prompt->excludes(file);
    command->add_flag("--ids", opt->ids, "Print only the ids, as one list like [15043, 3186]");
    command->add_flag("--no-bos", opt->no_bos, "Leave out the BOS/EOS tokens the vocabulary would add");
    command->add_flag("--no-parse-special", opt->no_parse_special,
                      "Treat texts of special tokens (<s>, <|im_start|>) as plain text");
    return [opt]() {
        std::string text = opt->prompt;
        if (!opt->file.empty()) {
            std::ifstream in(opt->file, std::ios::binary);
            if (!in) {
                fmt::print(stderr, "error: cannot read '{}'\n", opt->file);
                return 1;
            }
            std::ostringstream buffer;
            buffer << in.rdbuf();
            text = buffer.str();
        }
        auto file = gguf::File::open(opt->model);
        if (!file.ok()) {
            fmt::print(stderr, "error: {}\n", file.error().message);
            return 1;
        }
        auto tokenizer = text::Tokenizer::from_gguf(*file);
        if (!tokenizer.ok()) {
            fmt::print(stderr, "error: {}: {}\n", opt->model, tokenizer.error().message);
            return 1;
        }
        const std::vector<int32_t> tokens = (*tokenizer)->encode(text, !opt->no_bos, !opt->no_parse_special);
        if (opt->ids) {
            fmt::print("[{}]\n", fmt::join(tokens, ", "));
            return 0;
        }
        for (int32_t token : tokens)
            fmt::print("{:>6} -> '{}'\n", token, (*tokenizer)->token_to_piece(token, /*render_special=*/true));
        return 0;
    };
}

}  // namespace hearth::cli
