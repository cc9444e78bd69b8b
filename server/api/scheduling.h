// How a generation request asks to be scheduled, in every API family: its priority (`priority`
// body field or `X-Priority` header: urgent, high, normal, low) and how long it may wait before
// it starts (`timeout` body field or `X-Request-Timeout` header, seconds; past it the request
// fails with 408). A body field wins over its header.
#pragma once

#include <optional>

#include "server/api/errors.h"
#include "server/api/json_fields.h"
#include "server/http_message.h"
#include "serving/request.h"

namespace hearth::server::api {

// The longest timeout a request may ask for, in seconds (one day).
inline constexpr double kMaxRequestTimeoutSeconds = 86400;

// Reads `priority` and `timeout` from a request body; errors name the field.
void read_scheduling_fields(FieldReader& fields, serving::GenerateRequest& request);
// Reads the X-Priority and X-Request-Timeout headers (call before the body is parsed, so the
// body's fields override them); a 400 naming the header when a value is invalid.
std::optional<ApiError> read_scheduling_headers(const HttpRequest& http, serving::GenerateRequest& request);

}  // namespace hearth::server::api
