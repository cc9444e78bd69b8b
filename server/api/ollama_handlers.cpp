// Ollama endpoints: /api/chat, /api/generate, /api/embed, /api/tags, /api/show, /api/ps, /api/version.
#include "server/api/context.h"
#include "server/api/ollama.h"
#include "server/api/scheduling.h"

namespace hearth::server::api {

namespace {

HttpResponse ollama_error(const ApiError& error) { return error_response(error, ErrorStyle::kOllama); }

Reply generate(Context& context, const HttpRequest& request, std::shared_ptr<RequestRecord> record, bool chat) {
    OllamaGenerateRequest parsed;
    if (auto error = read_scheduling_headers(request, parsed.generate)) return ollama_error(*error);
    if (auto error = chat ? parse_ollama_chat(request.body, parsed) : parse_ollama_generate(request.body, parsed))
        return ollama_error(*error);
    serving::GenerateRequest& generate = parsed.generate;
    if (auto error = resolve_model(context, generate.model, generate.max_tokens)) {
        // Ollama words a missing model as "model 'x' not found".
        if (error->status == 404) error->message = "model '" + generate.model + "' not found";
        return ollama_error(*error);
    }
    if (parsed.load_only) {
        return json_response(render_ollama_load(generate.model, chat));
    }
    if (!parsed.has_seed) randomize_seed(generate);
    GenerationOptions options{parsed.stream, false, context.config.max_stream_buffer_bytes,
                              &context.cancels};
    const std::string model = generate.model;
    return start_generation(context.service, std::move(generate), make_ollama_format(model, chat), options,
                            std::move(record));
}

Reply embed(Context& context, const HttpRequest& request, std::shared_ptr<RequestRecord> record) {
    OllamaEmbedRequest parsed;
    if (auto error = parse_ollama_embed(request.body, parsed)) return ollama_error(*error);
    if (auto error = resolve_model(context, parsed.embed.model)) {
        if (error->status == 404) error->message = "model '" + parsed.embed.model + "' not found";
        return ollama_error(*error);
    }
    return context.blocking.run(
        [&context, embed = std::move(parsed.embed)]() mutable {
            const auto start = Clock::now();
            const std::string model = embed.model;
            auto result = context.service.embed(std::move(embed));
            if (!result.ok()) return ollama_error(from_error(result.error()));
            return json_response(
                render_ollama_embed(model, result->embeddings, result->prompt_tokens, seconds_since(start)));
        },
        std::move(record), ErrorStyle::kOllama);
}

Reply show(Context& context, const HttpRequest& request) {
    std::string model;
    if (auto error = parse_ollama_show(request.body, model)) return ollama_error(*error);
    auto info = context.service.model_info(model);
    if (!info.ok()) {
        ApiError error = from_error(info.error());
        if (error.status == 404) error.message = "model '" + model + "' not found";
        return ollama_error(error);
    }
    return json_response(render_ollama_show(*info));
}

}  // namespace

void add_ollama_routes(Router& router, Context& context) {
    Context* ctx = &context;
    router.add("POST", "/api/chat", [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
        return generate(*ctx, request, std::move(record), /*chat=*/true);
    });
    router.add("POST", "/api/generate", [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
        return generate(*ctx, request, std::move(record), /*chat=*/false);
    });
    router.add("POST", "/api/embed", [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
        return embed(*ctx, request, std::move(record));
    });
    router.add("GET", "/api/tags", [ctx](const HttpRequest&, const RouteParams&, std::shared_ptr<RequestRecord>) {
        return json_response(render_ollama_tags(ctx->service.list_models()));
    });
    router.add("POST", "/api/show", [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord>) {
        return show(*ctx, request);
    });
    router.add("GET", "/api/ps", [ctx](const HttpRequest&, const RouteParams&, std::shared_ptr<RequestRecord>) {
        return json_response(render_ollama_ps(ctx->service.list_models()));
    });
    router.add("GET", "/api/version", [ctx](const HttpRequest&, const RouteParams&, std::shared_ptr<RequestRecord>) {
        return json_response(render_ollama_version(ctx->config.version));
    });
}

}  // namespace hearth::server::api
