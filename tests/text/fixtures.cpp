#include "tests/text/fixtures.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "formats/gguf_keys.h"

namespace hearth::text::testing {
namespace keys = gguf::keys;

nlohmann::json load_test_data(std::string_view name) {
    const std::string path =
        std::string(HEARTH_SOURCE_DIR) + "/tests/text/data/" + std::string(name);
    std::ifstream file(path);
    if (!file) throw std::runtime_error("cannot open " + path);
    return nlohmann::json::parse(file);
}

gguf::Writer spm_writer(const nlohmann::json& data) {
    gguf::Writer writer;
    writer.set_string(keys::kArchitecture, "llama");
    writer.set_string(keys::kTokenizerModel, "llama");
    const auto tokens = data.at("tokens").get<std::vector<std::string>>();
    const auto scores = data.at("scores").get<std::vector<float>>();
    const auto types = data.at("token_types").get<std::vector<int32_t>>();
    writer.set_array_strings(keys::kTokenizerTokens, tokens);
    writer.set_array_f32(keys::kTokenizerScores, scores);
    writer.set_array_i32(keys::kTokenizerTokenType, types);
    writer.set_u32(keys::kTokenizerUnkId, data.at("unk_id").get<uint32_t>());
    writer.set_u32(keys::kTokenizerBosId, data.at("bos_id").get<uint32_t>());
    writer.set_u32(keys::kTokenizerEosId, data.at("eos_id").get<uint32_t>());
    writer.set_bool(keys::kTokenizerAddBos, true);
    writer.set_bool(keys::kTokenizerAddEos, false);
    return writer;
}

gguf::Writer bpe_writer(const nlohmann::json& data, std::string_view pre) {
    gguf::Writer writer;
    writer.set_string(keys::kArchitecture, "llama");
    writer.set_string(keys::kTokenizerModel, "gpt2");
    writer.set_string(keys::kTokenizerPre, pre);
    const auto tokens = data.at("tokens").get<std::vector<std::string>>();
    const auto types = data.at("token_types").get<std::vector<int32_t>>();
    const auto merges = data.at("merges").get<std::vector<std::string>>();
    writer.set_array_strings(keys::kTokenizerTokens, tokens);
    writer.set_array_i32(keys::kTokenizerTokenType, types);
    writer.set_array_strings(keys::kTokenizerMerges, merges);
    writer.set_u32(keys::kTokenizerBosId, data.at("eos_id").get<uint32_t>());
    writer.set_u32(keys::kTokenizerEosId, data.at("eos_id").get<uint32_t>());
    writer.set_bool(keys::kTokenizerAddBos, false);
    return writer;
}

Result<std::unique_ptr<Tokenizer>> tokenizer_from(const gguf::Writer& writer) {
    HEARTH_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, writer.write_memory());
    HEARTH_ASSIGN_OR_RETURN(gguf::File file, gguf::File::parse(bytes.data(), bytes.size()));
    return Tokenizer::from_gguf(file);
}

std::vector<int32_t> ids_of(const nlohmann::json& ids) { return ids.get<std::vector<int32_t>>(); }

std::string describe(const Tokenizer& tokenizer, const std::vector<int32_t>& ids) {
    std::ostringstream out;
    out << "[";
    for (size_t idx = 0; idx < ids.size(); ++idx) {
        if (idx) out << ", ";
        out << ids[idx] << " '" << tokenizer.token_text(ids[idx]) << "'";
    }
    out << "]";
    return out.str();
}

}  // namespace hearth::text::testing
