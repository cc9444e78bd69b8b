// Native endpoints: /tokenize, /detokenize, /apply-template, /health, /ready, /metrics,
// /api/system/status, and "/" (Ollama clients probe it).
#include "server/api/context.h"
#include "server/api/native.h"

namespace hearth::server::api {

namespace {

Reply tokenize(Context& context, const HttpRequest& request, std::shared_ptr<RequestRecord> record) {
    TokenizeRequest parsed;
    if (auto error = parse_tokenize(request.body, parsed)) return error_response(*error);
    if (auto error = resolve_model(context, parsed.model)) return error_response(*error);
    return context.blocking.run(
        [&context, parsed = std::move(parsed)] {
            auto tokens = context.service.tokenize(parsed.model, parsed.content, parsed.add_special, parsed.parse_special);
            if (!tokens.ok()) return error_response(from_error(tokens.error()));
            if (!parsed.with_pieces) return json_response(render_tokens(*tokens, nullptr));
            auto pieces = context.service.token_pieces(parsed.model, *tokens);
            if (!pieces.ok()) return error_response(from_error(pieces.error()));
            return json_response(render_tokens(*tokens, &*pieces));
        },
        std::move(record), ErrorStyle::kOpenAi);
}

Reply detokenize(Context& context, const HttpRequest& request, std::shared_ptr<RequestRecord> record) {
    DetokenizeRequest parsed;
    if (auto error = parse_detokenize(request.body, parsed)) return error_response(*error);
    if (auto error = resolve_model(context, parsed.model)) return error_response(*error);
    return context.blocking.run(
        [&context, parsed = std::move(parsed)] {
            auto text = context.service.detokenize(parsed.model, parsed.tokens);
            if (!text.ok()) return error_response(from_error(text.error()));
            return json_response(render_content(*text));
        },
        std::move(record), ErrorStyle::kOpenAi);
}

Reply apply_template(Context& context, const HttpRequest& request, std::shared_ptr<RequestRecord> record) {
    ApplyTemplateRequest parsed;
    if (auto error = parse_apply_template(request.body, parsed)) return error_response(*error);
    if (auto error = resolve_model(context, parsed.model)) return error_response(*error);
    return context.blocking.run(
        [&context, parsed = std::move(parsed)] {
            auto prompt = context.service.apply_template(parsed.model, parsed.messages, parsed.add_generation_prompt);
            if (!prompt.ok()) {
                ApiError error = from_error(prompt.error());
                error.message = "the chat template failed to render: " + error.message;
                return error_response(error);
            }
            return json_response(render_prompt(*prompt));
        },
        std::move(record), ErrorStyle::kOpenAi);
}

}  // namespace

SystemStatus system_status(Context& context) {
    SystemStatus status;
    status.status = context.draining.load() ? "draining" : "ok";
    status.version = context.config.version;
    status.uptime_seconds = seconds_since(context.started);
    status.ready = !context.draining.load() && context.service.ready();
    status.models = context.service.list_models();
    status.queue = context.service.queue_stats();
    if (context.transport_stats) {
        const TransportStats transport = context.transport_stats();
        status.connections_open = transport.connections_open;
        status.requests_in_flight = transport.requests_in_flight;
    }
    context.metrics.prompt_tokens.for_each(
        [&](const std::vector<std::string>&, const metrics::Counter& counter) { status.prompt_tokens_total += counter.value(); });
    context.metrics.generated_tokens.for_each([&](const std::vector<std::string>&, const metrics::Counter& counter) {
        status.generated_tokens_total += counter.value();
    });
    return status;
}

void add_native_routes(Router& router, Context& context) {
    Context* ctx = &context;
    router.add("POST", "/tokenize", [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
        return tokenize(*ctx, request, std::move(record));
    });
    router.add("POST", "/detokenize", [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
        return detokenize(*ctx, request, std::move(record));
    });
    router.add("POST", "/apply-template", [ctx](const HttpRequest& request, const RouteParams&, std::shared_ptr<RequestRecord> record) {
        return apply_template(*ctx, request, std::move(record));
    });
    router.add("GET", "/health", [](const HttpRequest&, const RouteParams&, std::shared_ptr<RequestRecord>) {
        return json_response(R"({"status":"ok"})");
    });
    router.add("GET", "/ready", [ctx](const HttpRequest&, const RouteParams&, std::shared_ptr<RequestRecord>) {
        if (ctx->draining.load()) return json_response(R"({"status":"draining"})", 503);
        if (!ctx->service.ready()) return json_response(R"({"status":"no model can serve"})", 503);
        return json_response(R"({"status":"ready"})");
    });
    router.add("GET", "/metrics", [ctx](const HttpRequest&, const RouteParams&, std::shared_ptr<RequestRecord>) {
        HttpResponse response;
        response.content_type = "text/plain; version=0.0.4; charset=utf-8";
        response.body = ctx->metrics.registry.render();
        return response;
    });
    router.add("GET", "/api/system/status", [ctx](const HttpRequest&, const RouteParams&, std::shared_ptr<RequestRecord>) {
        return json_response(render_system_status(system_status(*ctx)));
    });
    router.add("GET", "/", [](const HttpRequest&, const RouteParams&, std::shared_ptr<RequestRecord>) {
        HttpResponse response;
        response.content_type = "text/plain; charset=utf-8";
        response.body = "Hearth is running";
        return response;
    });
}

}  // namespace hearth::server::api
