#include "server/api/api.h"

#include <fmt/core.h>

#include "base/log.h"
#include "server/api/native.h"

namespace hearth::server::api {

Api::Api(serving::Service& service, metrics::Registry& registry, ApiConfig config,
         std::shared_ptr<Authorizer> authorizer)
    : context_(service, registry, std::move(config)), authorizer_(std::move(authorizer)) {
    add_openai_routes(router_, context_);
    add_ollama_routes(router_, context_);
    add_native_routes(router_, context_);
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
    if (!match.route && !match.allowed.empty()) {
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
    } else if (Status allowed = authorizer_->authorize(request, match.route->pattern); !allowed.ok()) {
        ApiError error = from_error(allowed.error());
        if (allowed.error().code == Errc::kResourceExhausted)
            error = ApiError{429, allowed.error().message, "rate_limit_error", "", "rate_limit_exceeded"};
        reply = error_response(error, style);
    } else {
        try {
            reply = match.route->handler(request, match.params, record);
        } catch (const std::exception& error) {
            log::error("{} {}: handler threw: {}", request.method, request.path, error.what());
            reply = error_response(ApiError::internal("internal error"), style);
        }
    }
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
    return handlers;
}

}  // namespace hearth::server::api
