// Operator endpoints: model residency (/api/models/{id}/load, /unload, /pin, /unpin), the
// system's memory, models and queue (/api/system/stats), cleanup (/api/system/cleanup) and
// cancelling a request by id (DELETE /api/requests/{id}).
//
// Status codes: unknown model or request 404; a model that cannot fit the memory budget 507
// (insufficient_memory: retrying will not help until the budget or the pinned models change;
// 503 stays the answer for a transient overload such as a full queue); unloading a model in use
// 409 (model_in_use).
#include <fmt/core.h>

#include <charconv>

#include "server/api/context.h"
#include "server/api/json_fields.h"

namespace hearth::server::api {

namespace {

using nlohmann::json;

ApiError model_not_found(const std::string& id) {
    return ApiError{404, fmt::format("The model '{}' does not exist", id), "invalid_request_error", "model",
                    "model_not_found"};
}

// A model-management failure as the client should see it.
ApiError manage_error(const std::string& id, const Error& error) {
    switch (error.code) {
        case Errc::kNotFound: return model_not_found(id);
        case Errc::kResourceExhausted:
            return ApiError{507, error.message, "server_error", "", "insufficient_memory"};
        case Errc::kFailedPrecondition:
            return ApiError{409, fmt::format("{}; retry when its requests have finished", error.message),
                            "invalid_request_error", "", "model_in_use"};
        default: return from_error(error);
    }
}

std::string model_json(const serving::ModelInfo& model) {
    return dump_json({{"id", model.id},
                      {"status", model_state_label(model.state)},
                      {"bytes", model.bytes},
                      {"pinned", model.pinned},
                      {"last_used", model.last_used_unix_ms}});
}

// Answers with the model's entry after a successful action.
HttpResponse model_reply(Context& context, const std::string& id) {
    auto info = context.service.model_info(id);
    if (!info.ok()) return error_response(manage_error(id, info.error()));
    return json_response(model_json(*info));
}

bool known_model(Context& context, const std::string& id) { return context.service.model_info(id).ok(); }

Reply load(Context& context, const std::string& id, std::shared_ptr<RequestRecord> record) {
    if (!known_model(context, id)) return error_response(model_not_found(id));
    // Loading blocks (it may wait for models in use to free room): off the I/O threads.
    return context.blocking.run(
        [&context, id] {
            if (Status loaded = context.service.load_model(id); !loaded.ok())
                return error_response(manage_error(id, loaded.error()));
            return model_reply(context, id);
        },
        std::move(record), ErrorStyle::kOpenAi);
}

HttpResponse unload(Context& context, const std::string& id) {
    if (!known_model(context, id)) return error_response(model_not_found(id));
    if (Status unloaded = context.service.unload_model(id); !unloaded.ok())
        return error_response(manage_error(id, unloaded.error()));
    return model_reply(context, id);
}

HttpResponse pin(Context& context, const std::string& id, bool pinned) {
    if (Status status = context.service.set_pinned(id, pinned); !status.ok())
        return error_response(manage_error(id, status.error()));
    return model_reply(context, id);
}

std::string render_stats(const serving::SystemStats& stats) {
    json by_tag = json::object();
    for (const auto& [tag, bytes] : stats.memory.by_tag) by_tag[tag] = bytes;
    json models = json::array();
    for (const serving::ModelInfo& model : stats.models) models.push_back(json::parse(model_json(model)));
    const serving::QueueStats& queue = stats.queue;
    json queued = json::object();
    for (int level = 0; level < serving::kPriorityCount; ++level)
        queued[serving::priority_name(static_cast<serving::Priority>(level))] = queue.queued[level];
    return dump_json({{"memory",
                       {{"budget_bytes", stats.memory.budget_bytes},
                        {"used_bytes", stats.memory.used_bytes},
                        {"state", stats.memory.state},
                        {"by_tag", std::move(by_tag)}}},
                      {"models", std::move(models)},
                      {"queue",
                       {{"queued", std::move(queued)},
                        {"active", queue.active},
                        {"completed", queue.completed},
                        {"failed", queue.failed},
                        {"cancelled", queue.cancelled}}}});
}

HttpResponse cancel(Context& context, const std::string& text, const RequestRecord& caller) {
    serving::RequestId id = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (error != std::errc() || end != text.data() + text.size() || id == 0)
        return error_response(ApiError::invalid(
            fmt::format("'{}' is not a request id (the X-Request-Id of a generation response)", text), "id",
            "invalid_value"));
    // Someone else's request is answered like an unknown one: ids say nothing about other callers.
    if (!caller.cancels_any() && !context.cancels.owned_by(id, caller.caller()))
        return error_response(
            ApiError::not_found(fmt::format("request {} is unknown or has already finished", id), "request_not_found"));
    // Recorded first: the request may finish (as cancelled) before cancel() returns.
    context.cancels.add(id);
    if (Status cancelled = context.service.cancel(id); !cancelled.ok()) {
        (void)context.cancels.take(id);
        if (cancelled.error().code == Errc::kNotFound)
            return error_response(ApiError::not_found(
                fmt::format("request {} is unknown or has already finished", id), "request_not_found"));
        return error_response(from_error(cancelled.error()));
    }
    return json_response(dump_json({{"id", std::to_string(id)}, {"cancelled", true}}));
}

}  // namespace

void add_manage_routes(Router& router, Context& context) {
    Context* ctx = &context;
    router.add("POST", "/api/models/{id}/load",
               [ctx](const HttpRequest&, const RouteParams& params, std::shared_ptr<RequestRecord> record) {
                   return load(*ctx, params.id, std::move(record));
               });
    router.add("POST", "/api/models/{id}/unload", [ctx](const HttpRequest&, const RouteParams& params, auto) -> Reply {
        return unload(*ctx, params.id);
    });
    router.add("POST", "/api/models/{id}/pin", [ctx](const HttpRequest&, const RouteParams& params, auto) -> Reply {
        return pin(*ctx, params.id, true);
    });
    router.add("POST", "/api/models/{id}/unpin", [ctx](const HttpRequest&, const RouteParams& params, auto) -> Reply {
        return pin(*ctx, params.id, false);
    });
    router.add("GET", "/api/system/stats", [ctx](const HttpRequest&, const RouteParams&, auto) -> Reply {
        return json_response(render_stats(ctx->service.system_stats()));
    });
    router.add("POST", "/api/system/cleanup", [ctx](const HttpRequest&, const RouteParams&, auto) -> Reply {
        ctx->service.cleanup();
        return json_response(render_stats(ctx->service.system_stats()));
    });
    router.add("DELETE", "/api/requests/{id}",
               [ctx](const HttpRequest&, const RouteParams& params, std::shared_ptr<RequestRecord> record) -> Reply {
                   return cancel(*ctx, params.id, *record);
               });
}

}  // namespace hearth::server::api
