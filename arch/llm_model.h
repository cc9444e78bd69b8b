// A loaded language model: the mapped GGUF file, its hyperparameters, weights (views into the
// mapping) and tokenizer. Immutable after load; any number of threads may read it.
#pragma once

#include <memory>
#include <string>

#include "arch/llm_hparams.h"
#include "arch/llm_weights.h"
#include "base/result.h"
#include "formats/gguf.h"
#include "text/tokenizer.h"

namespace hearth::arch {

class LlmModel {
public:
    // Maps `path`, validates the file, binds every tensor and builds the tokenizer. Nothing is
    // read beyond the header and metadata until the weights are used (pages fault in on demand).
    static Result<std::unique_ptr<LlmModel>> load(const std::string& path);

    const gguf::File& file() const { return file_; }
    const LlmHParams& hparams() const { return hparams_; }
    const LlmWeights& weights() const { return weights_; }
    const text::Tokenizer& tokenizer() const { return *tokenizer_; }
    // tokenizer.chat_template, or empty when the file has none.
    const std::string& chat_template() const { return chat_template_; }
    // general.name, or the file name without .gguf.
    const std::string& name() const { return name_; }
    const std::string& path() const { return file_.path(); }
    // Bytes of weights read for one generated token (every matrix once, plus one embedding row).
    uint64_t bytes_per_token() const;
    // "Q4_0", "Q8_0", "F16", "mixed"... the dominant matrix type.
    std::string type_summary() const;
    uint64_t n_params() const;

private:
    gguf::File file_;
    LlmHParams hparams_;
    LlmWeights weights_;
    std::unique_ptr<text::Tokenizer> tokenizer_;
    std::string chat_template_;
    std::string name_;
};

}  // namespace hearth::arch
