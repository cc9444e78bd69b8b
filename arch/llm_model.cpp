#include "arch/llm_model.h"

#include <filesystem>
#include <map>

#include "formats/gguf_keys.h"

namespace hearth::arch {

Result<std::unique_ptr<LlmModel>> LlmModel::load(const std::string& path) {
    auto model = std::make_unique<LlmModel>();
    HEARTH_ASSIGN_OR_RETURN(model->file_, gguf::File::open(path));
    auto in_file = [&](const Error& error) { return error.wrap("{}", path); };

    auto hparams = load_hparams(model->file_);
    if (!hparams.ok()) return in_file(hparams.error());
    model->hparams_ = std::move(hparams).value();

    auto weights = bind_weights(model->file_, model->hparams_);
    if (!weights.ok()) return in_file(weights.error());
    model->weights_ = std::move(weights).value();

    auto tokenizer = text::Tokenizer::from_gguf(model->file_);
    if (!tokenizer.ok()) return in_file(tokenizer.error());
    model->tokenizer_ = std::move(tokenizer).value();
    if (model->tokenizer_->n_vocab() != model->hparams_.n_vocab)
        return Error::make(Errc::kCorrupt, "{}: the tokenizer has {} tokens but the embedding has {} rows", path,
                           model->tokenizer_->n_vocab(), model->hparams_.n_vocab);

    if (const gguf::Value* value = model->file_.find(gguf::keys::kChatTemplate)) {
        if (auto text = value->as_string()) model->chat_template_ = std::string(*text);
    }
    auto general_name = model->file_.get_string(gguf::keys::kName);
    model->name_ = general_name.ok() && !general_name->empty()
                       ? std::string(*general_name)
                       : std::filesystem::path(path).stem().string();
    return model;
}

uint64_t LlmModel::bytes_per_token() const {
    return weights_.matrix_bytes() - weights_.token_embd.n_bytes() +
           static_cast<uint64_t>(weights_.token_embd.row_bytes) +
           (weights_.tied_output ? weights_.output.n_bytes() : 0);
}

std::string LlmModel::type_summary() const {
    std::map<DType, uint64_t> bytes_by_type;
    for (const LayerWeights& layer : weights_.layers)
        for (const WeightMatrix* matrix : {&layer.wq, &layer.wk, &layer.wv, &layer.wo, &layer.w_gate,
                                           &layer.w_up, &layer.w_down})
            bytes_by_type[matrix->type] += matrix->n_bytes();
    DType dominant = DType::kF32;
    uint64_t best = 0;
    for (const auto& [type, bytes] : bytes_by_type)
        if (bytes > best) {
            best = bytes;
            dominant = type;
        }
    std::string name(dtype_name(dominant));
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return name;
}

uint64_t LlmModel::n_params() const {
    uint64_t total = 0;
    for (const gguf::TensorInfo& info : file_.tensors()) total += static_cast<uint64_t>(info.n_elements());
    return total;
}

}  // namespace hearth::arch
