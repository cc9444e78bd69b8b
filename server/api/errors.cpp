#include "server/api/errors.h"

#include <nlohmann/json.hpp>

namespace hearth::server::api {

using nlohmann::json;

ApiError ApiError::invalid(std::string message, std::string param, std::string code) {
    return ApiError{400, std::move(message), "invalid_request_error", std::move(param), std::move(code)};
}

ApiError ApiError::not_found(std::string message, std::string code) {
    return ApiError{404, std::move(message), "invalid_request_error", "", std::move(code)};
}

ApiError ApiError::internal(std::string message) {
    return ApiError{500, std::move(message), "server_error", "", ""};
}

ApiError from_error(const Error& error) {
    ApiError out;
    out.message = error.message;
    switch (error.code) {
        case Errc::kInvalidArgument:
        case Errc::kUnsupported:
        case Errc::kFailedPrecondition:
            out.status = 400;
            break;
        case Errc::kOutOfRange:
            out.status = 400;
            out.code = "context_length_exceeded";
            break;
        case Errc::kUnauthenticated:
            out.status = 401;
            out.code = "invalid_api_key";
            break;
        case Errc::kPermissionDenied:
            out.status = 403;
            out.type = "permission_error";
            break;
        case Errc::kNotFound:
            out.status = 404;
            out.code = "not_found";
            break;
        case Errc::kAlreadyExists:
            out.status = 409;
            break;
        case Errc::kResourceExhausted:
            // The service's queue is full: the server is overloaded, not the client over a quota
            // (quotas answer 429 from the authorize step).
            out.status = 503;
            out.type = "server_error";
            out.code = "server_overloaded";
            break;
        case Errc::kUnavailable:
            out.status = 503;
            out.type = "server_error";
            out.code = "service_unavailable";
            break;
        case Errc::kTimeout:
            out.status = 408;
            out.type = "server_error";
            out.code = "timeout";
            break;
        case Errc::kCancelled:
            // A request its client cancelled (DELETE /api/requests/{id}); 499 as nginx logs a
            // request whose client gave up.
            out.status = 499;
            out.type = "invalid_request_error";
            out.code = "request_cancelled";
            break;
        default:
            out.status = 500;
            out.type = "server_error";
            break;
    }
    return out;
}

ErrorStyle error_style_for(const std::string& path) {
    // Hearth's own /api/system, /api/keys, /api/audit, /api/models/ and /api/requests/ routes
    // answer OpenAI-shaped errors.
    if (path.starts_with("/api/system") || path.starts_with("/api/keys") || path.starts_with("/api/audit") ||
        path.starts_with("/api/models/") || path.starts_with("/api/requests/"))
        return ErrorStyle::kOpenAi;
    if (path.starts_with("/api/")) return ErrorStyle::kOllama;
    return ErrorStyle::kOpenAi;
}

std::string openai_error_body(const ApiError& error) {
    json body = {{"error",
                  {{"message", error.message},
                   {"type", error.type},
                   {"param", error.param.empty() ? json(nullptr) : json(error.param)},
                   {"code", error.code.empty() ? json(nullptr) : json(error.code)}}}};
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ollama_error_body(const ApiError& error) {
    return json{{"error", error.message}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

HttpResponse error_response(const ApiError& error, ErrorStyle style) {
    HttpResponse response;
    response.status = error.status;
    response.body = style == ErrorStyle::kOllama ? ollama_error_body(error) : openai_error_body(error);
    if (error.status == 503 || error.status == 429) response.headers.emplace_back("Retry-After", "1");
    return response;
}

}  // namespace hearth::server::api
