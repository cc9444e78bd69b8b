// Test helpers: the generated vocabularies in tests/text/data/ (tools/gen_tokenizer_testdata.py)
// turned into in-memory GGUF files, and tokenizers built from them.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "formats/gguf.h"
#include "text/tokenizer.h"

namespace hearth::text::testing {

// Parses tests/text/data/<name>.
nlohmann::json load_test_data(std::string_view name);

// A writer holding the tokenizer metadata of spm.json / bpe.json (bpe: with tokenizer.ggml.pre).
gguf::Writer spm_writer(const nlohmann::json& data);
gguf::Writer bpe_writer(const nlohmann::json& data, std::string_view pre);

// Writes the GGUF to memory, parses it and builds a tokenizer (which copies what it needs).
Result<std::unique_ptr<Tokenizer>> tokenizer_from(const gguf::Writer& writer);

std::vector<int32_t> ids_of(const nlohmann::json& ids);

// "[12, 5, 7]" with each token's text, for failure messages.
std::string describe(const Tokenizer& tokenizer, const std::vector<int32_t>& ids);

}  // namespace hearth::text::testing
