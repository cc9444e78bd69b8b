// multipart/form-data bodies (RFC 7578): the boundary from the Content-Type header, then each
// part's name, optional filename and content type, and its bytes (views into the body).
// Strict and bounded: a malformed body is a clear error, never a crash (fuzzed: fuzz/fuzz_multipart).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace hearth::server::api {

struct FormPart {
    std::string name;
    std::optional<std::string> filename;
    std::string content_type;
    std::string_view data;   // into the parsed body
};

// The boundary parameter of a "multipart/form-data; boundary=..." content type.
Result<std::string> multipart_boundary(std::string_view content_type);
// Splits `body` into its parts (at most 64). kInvalidArgument naming what is wrong.
Result<std::vector<FormPart>> parse_multipart(std::string_view body, std::string_view boundary);

}  // namespace hearth::server::api
