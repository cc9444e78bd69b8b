// OpenAI endpoints: /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/models[/{id}].
#include "base/log.h"
#include "server/api/context.h"
#include "server/api/generation.h"
#include "server/api/openai_request.h"
#include "server/api/openai_response.h"
#include "server/api/scheduling.h"

namespace hearth::server::api {

namespace {

Reply chat_completions(Context& context, const HttpRequest& request, std::shared_ptr<RequestRecord> record) {
    ChatCompletionRequest parsed;
    if (auto error = read_scheduling_headers(request, parsed.generate)) return error_response(*error);
    if (auto error = parse_chat_completion(request.body, parsed)) return error_response(*error);
    serving::GenerateRequest& generate = parsed.generate;
    if (auto error = resolve_model(context, generate.model, generate.max_tokens)) return error_response(*error);
    if (!parsed.has_seed) randomize_seed(generate);
    OpenAiFormatOptions format{generate.model, parsed.include_usage, parsed.logprobs, ""};
    GenerationOptions options{parsed.stream, parsed.logprobs, context.config.max_stream_buffer_bytes,
                              &context.cancels};
    return start_generation(context.service, std::move(generate), make_chat_completion_format(format), options,
                            std::move(record));
}

Reply completions(Context& context, const HttpRequest& request, std::shared_ptr<RequestRecord> record) {
    CompletionRequest parsed;
    if (auto error = read_scheduling_headers(request, parsed.generate)) return error_response(*error);
    if (auto error = parse_completion(request.body, parsed)) return error_response(*error);
    serving::GenerateRequest& generate = parsed.generate;
    if (auto error = resolve_model(context, generate.model, generate.max_tokens)) return error_response(*error);
    if (!parsed.has_seed) randomize_seed(generate);
    const bool logprobs = generate.top_logprobs >= 0;
    OpenAiFormatOptions format{generate.model, parsed.include_usage, logprobs,
                               parsed.echo ? generate.prompt.value_or("") : ""};
    GenerationOptions options{parsed.stream, logprobs, context.config.max_stream_buffer_bytes,
                              &context.cancels};
    return start_generation(context.service, std::move(generate), make_completion_format(format), options,
                            std::move(record));
}

Reply embeddings(Context& context, const HttpRequest& request, std::shared_ptr<RequestRecord> record) {
    EmbeddingRequest parsed;
    if (auto error = parse_embedding(request.body, parsed)) return error_response(*error);
    if (auto error = resolve_model(context, parsed.embed.model)) return error_response(*error);
    return context.blocking.run(
        [&context, parsed = std::move(parsed)]() mutable {
            serving::EmbedRequest& embed = parsed.embed;
            // Token-id inputs become text through the model's own vocabulary.
            for (const auto& tokens : parsed.token_inputs) {
                auto text = context.service.detokenize(embed.model, tokens);
                if (!text.ok()) return error_response(from_error(text.error()));
                embed.inputs.push_back(std::move(*text));
            }
            const std::string model = embed.model;
            auto result = context.service.embed(std::move(embed));
            if (!result.ok()) return error_response(from_error(result.error()));
            return json_response(render_embeddings(model, result->embeddings, result->prompt_tokens, parsed.base64));
        },
        std::move(record), ErrorStyle::kOpenAi);
}

Reply list_models(Context& context) { return json_response(render_model_list(context.service.list_models())); }

Reply get_model(Context& context, const std::string& id) {
    auto info = context.service.model_info(id);
    if (!info.ok()) {
        if (info.error().code == Errc::kNotFound)
            return error_response(ApiError{404, "The model '" + id + "' does not exist", "invalid_request_error",
                                           "model", "model_not_found"});
        return error_response(from_error(info.error()));
    }
    return json_response(render_model(*info));
}

}  // namespace

void add_openai_routes(Router& router, Context& context) {
    Context* ctx = &context;
    router.add("POST", "/v1/chat/completions",
               [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
                   return chat_completions(*ctx, request, std::move(record));
               });
    router.add("POST", "/v1/completions",
               [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
                   return completions(*ctx, request, std::move(record));
               });
    router.add("POST", "/v1/embeddings",
               [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
                   return embeddings(*ctx, request, std::move(record));
               });
    router.add("GET", "/v1/models",
               [ctx](const HttpRequest&, const RouteParams&, std::shared_ptr<RequestRecord>) { return list_models(*ctx); });
    router.add("GET", "/v1/models/{id}",
               [ctx](const HttpRequest&, const RouteParams& params, std::shared_ptr<RequestRecord>) {
                   return get_model(*ctx, params.id);
               });
}

}  // namespace hearth::server::api
