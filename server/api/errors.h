// API errors in the shapes clients expect: OpenAI's `{"error":{"message","type","param","code"}}`
// and Ollama's `{"error":"message"}`, with the HTTP status that goes with each kind of failure.
#pragma once

#include <string>

#include "base/result.h"
#include "server/http_message.h"

namespace hearth::server::api {

struct ApiError {
    int status = 400;
    std::string message;
    std::string type = "invalid_request_error";   // OpenAI's error type
    std::string param;                            // the offending request field; "" -> null
    std::string code;                             // a machine-readable code; "" -> null

    static ApiError invalid(std::string message, std::string param = "", std::string code = "");
    static ApiError not_found(std::string message, std::string code = "");
    static ApiError internal(std::string message);   // 500 server_error
};

// The status and type an internal error maps to: kInvalidArgument/kOutOfRange/kUnsupported 400,
// kUnauthenticated 401, kPermissionDenied 403, kNotFound 404, kTimeout 408 (a deadline passed
// before the work started), kResourceExhausted/kUnavailable 503 (a full queue, draining),
// kCancelled 499 (cancelled by DELETE /api/requests/{id}), anything
// else 500. 429 is the authorize step's (quotas, rate limits).
ApiError from_error(const Error& error);

// Which wire shape errors take on a route.
enum class ErrorStyle { kOpenAi, kOllama };
ErrorStyle error_style_for(const std::string& path);   // /api/* except /api/{system,keys,audit,models/,requests/}: Ollama

std::string openai_error_body(const ApiError& error);
std::string ollama_error_body(const ApiError& error);
// The response for an error; 503 and 429 carry Retry-After.
HttpResponse error_response(const ApiError& error, ErrorStyle style = ErrorStyle::kOpenAi);

}  // namespace hearth::server::api
