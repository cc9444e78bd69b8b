#include "server/api/context.h"

#include <fmt/core.h>

#include <random>

namespace hearth::server::api {

Context::Context(serving::Service& service, metrics::Registry& registry, ApiConfig config)
    : service(service), metrics(registry), config(std::move(config)),
      blocking(this->config.blocking_threads, this->config.max_blocking_queue),
      audio(4, 64, "too many audio requests are waiting; try again later") {}

std::optional<ApiError> resolve_model(Context& context, std::string& model, int32_t max_tokens) {
    if (model.empty()) model = context.service.default_model();
    auto info = context.service.model_info(model);
    if (!info.ok()) {
        if (info.error().code == Errc::kNotFound)
            return ApiError{404, fmt::format("The model '{}' does not exist", model), "invalid_request_error", "model",
                            "model_not_found"};
        return from_error(info.error());
    }
    if (max_tokens > 0 && info->n_ctx > 0 && max_tokens > info->n_ctx)
        return ApiError::invalid(fmt::format("max_tokens is {}, but the model '{}' has a context of {} tokens "
                                             "(prompt and completion together)", max_tokens, model, info->n_ctx),
                                 "max_tokens", "context_length_exceeded");
    return std::nullopt;
}

void randomize_seed(serving::GenerateRequest& request) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    request.sampling.seed = rng();
}

HttpResponse json_response(std::string body, int status) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

const char* model_state_label(serving::ModelState state) {
    switch (state) {
        case serving::ModelState::kAvailable: return "available";
        case serving::ModelState::kLoading: return "loading";
        case serving::ModelState::kLoaded: return "loaded";
        case serving::ModelState::kFailed: return "failed";
    }
    return "unknown";
}

}  // namespace hearth::server::api
