#include "server/api/api.h"

#include <fmt/core.h>

#include "base/log.h"
#include "server/api/access_gate.h"
#include "server/api/native.h"
#include "server/pending_response.h"

namespace hearth::server::api {

namespace {

// The answer to a request the authorize step refused: OpenAI-shaped on every route (Ollama's
// too), 429 for quotas, with the step's headers (Retry-After, x-ratelimit-*).
HttpResponse refusal_response(const Authorization& auth) {
    ApiError error = from_error(auth.status.error());
    if (auth.status.error().code == Errc::kResourceExhausted)
        error = ApiError{429, auth.status.error().message, "rate_limit_error", "", "rate_limit_exceeded"};
    HttpResponse response = error_response(error, ErrorStyle::kOpenAi);
    for (const auto& added : auth.headers) {  // (clang 14 cannot capture a structured binding)
        std::erase_if(response.headers, [&](const auto& header) { return header.first == added.first; });
        response.headers.emplace_back(added.first, added.second);
    }
    return response;
}

// Adds headers to an immediate or a deferred answer.
void add_headers(Reply& reply, std::vector<std::pair<std::string, std::string>> headers) {
    if (headers.empty()) return;
    if (auto* response = std::get_if<HttpResponse>(&reply))
        response->headers.insert(response->headers.end(), headers.begin(), headers.end());
    else if (auto* pending = std::get_if<std::shared_ptr<PendingResponse>>(&reply); pending && *pending)
        (*pending)->add_headers(std::move(headers));
}

}  // namespace

Api::Api(serving::Service& service, metrics::Registry& registry, ApiConfig config,
         std::shared_ptr<Authorizer> authorizer)
    : context_(service, registry, std::move(config)), authorizer_(std::move(authorizer)),
      cors_(context_.config.cors_origins) {
    add_openai_routes(router_, context_);
    add_ollama_routes(router_, context_);
    add_native_routes(router_, context_);
    add_manage_routes(router_, context_);
    if (auto* gate = dynamic_cast<AccessGate*>(authorizer_.get())) add_access_routes(router_, *gate);
    add_audio_routes(router_, context_);
    registry.gauge_callback("hearth_queue_requests_waiting", "Generation requests waiting for admission.", [this] {
        const serving::QueueStats stats = context_.service.queue_stats();
        return static_cast<double>(stats.queued[0] + stats.queued[1] + stats.queued[2] + stats.queued[3]);
    });
    registry.gauge_callback("hearth_queue_requests_active", "Generation requests running in the engines.", [this] {
        return static_cast<double>(context_.service.queue_stats().active);
    });
    registry.gauge_callback("hearth_http_connections_open", "Open client connections.", [this] {
        return context_.transport_stats ? static_cast<double>(context_.transport_stats().connections_open) : 0.0;
    });
}

Reply Api::handle(HttpRequest&& request) {
    const Router::Match match = router_.match(request.method, request.path);
    auto record = std::make_shared<RequestRecord>(context_.metrics, match.route ? match.route->pattern : "other");
    const ErrorStyle style = error_style_for(request.path);
    Reply reply;
    if (auto preflight = cors_.preflight(request)) {
        reply = std::move(*preflight);
    } else if (auto refused = cors_.refusal(request)) {
        reply = error_response(ApiError{403, *refused, "permission_error", "", "cors_origin_not_allowed"}, style);
    } else if (!match.route && !match.allowed.empty()) {
        HttpResponse response = error_response(
            ApiError{405, fmt::format("{} is not allowed on {}; use {}", request.method, request.path, match.allowed),
                     "invalid_request_error", "", "method_not_allowed"},
            style);
        response.headers.emplace_back("Allow", match.allowed);
        reply = std::move(response);
    } else if (!match.route) {
        reply = error_response(ApiError::not_found(fmt::format("no route for {} {}", request.method, request.path),
                                                   "unknown_url"),
                               style);
    } else if (Authorization auth = authorizer_->authorize(request, match.route->pattern); !auth.status.ok()) {
        reply = refusal_response(auth);
    } else {
        if (auth.on_finish) record->set_on_finish(std::move(auth.on_finish));
        record->set_caller(std::move(auth.caller), auth.cancels_any);
        try {
            reply = match.route->handler(request, match.params, record);
        } catch (const std::exception& error) {
            log::error("{} {}: handler threw: {}", request.method, request.path, error.what());
            reply = error_response(ApiError::internal("internal error"), style);
        }
        add_headers(reply, std::move(auth.headers));
    }
    add_headers(reply, cors_.headers(request));
    // Immediate answers are recorded here; deferred ones by whoever completes them.
    if (const auto* response = std::get_if<HttpResponse>(&reply); response && !response->stream)
        record->finish(response->status);
    if (request.method == "HEAD")
        if (auto* response = std::get_if<HttpResponse>(&reply); response && !response->stream) response->body.clear();
    return reply;
}

HttpResponse Api::transport_error(int status, const std::string& message) const {
    ApiError error{status, message, status >= 500 ? "server_error" : "invalid_request_error", "", ""};
    if (status == 413) error.code = "request_too_large";
    if (status == 431) error.code = "header_too_large";
    if (status == 503) error.code = "service_unavailable";
    context_.metrics.requests.with({"other", std::to_string(status)}).inc();
    return error_response(error);
}

std::string Api::live_message() {
    SystemStatus status = system_status(context_);
    {
        std::lock_guard lock(live_mutex_);
        const auto now = Clock::now();
        const double elapsed = std::chrono::duration<double>(now - live_time_).count();
        if (elapsed > 0) status.generated_tokens_per_second = (status.generated_tokens_total - live_generated_) / elapsed;
        live_time_ = now;
        live_generated_ = status.generated_tokens_total;
    }
    return render_system_status(status);
}

HttpHandlers Api::handlers() {
    HttpHandlers handlers;
    handlers.handle = [this](HttpRequest&& request) { return handle(std::move(request)); };
    handlers.error = [this](int status, const std::string& message) { return transport_error(status, message); };
    handlers.websocket_feeds["/ws/metrics"] = [this] { return live_message(); };
    handlers.websocket_check = [this](const HttpRequest& request) -> std::optional<HttpResponse> {
        if (auto refused = cors_.refusal(request))
            return error_response(ApiError{403, *refused, "permission_error", "", "cors_origin_not_allowed"});
        Authorization auth = authorizer_->authorize(request, request.path);
        if (auth.status.ok()) return std::nullopt;   // the slot, if any, is given back at once
        return refusal_response(auth);
    };
    return handlers;
}

}  // namespace hearth::server::api
