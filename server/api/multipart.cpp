#include "server/api/multipart.h"

#include <algorithm>
#include <cctype>

namespace hearth::server::api {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// The value of `key` in a header's parameters (`; name="file"; filename="a.wav"`).
std::optional<std::string> header_param(std::string_view header, std::string_view key) {
    size_t at = 0;
    while ((at = header.find(';', at)) != std::string_view::npos) {
        ++at;
        std::string_view rest = trim(header.substr(at));
        const size_t eq = rest.find('=');
        if (eq == std::string_view::npos) continue;
        if (lower(trim(rest.substr(0, eq))) != key) continue;
        std::string_view value = trim(rest.substr(eq + 1));
        if (!value.empty() && value.front() == '"') {
            std::string out;
            for (size_t idx = 1; idx < value.size(); ++idx) {
                if (value[idx] == '\\' && idx + 1 < value.size()) out.push_back(value[++idx]);
                else if (value[idx] == '"') return out;
                else out.push_back(value[idx]);
            }
            return std::nullopt;   // unterminated quote
        }
        const size_t end = value.find(';');
        return std::string(trim(value.substr(0, end)));
    }
    return std::nullopt;
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
    const size_t semi = content_type.find(';');
    if (lower(trim(content_type.substr(0, semi))) != "multipart/form-data")
        return Error::make(Errc::kInvalidArgument, "the request must be multipart/form-data (got '{}')",
                           std::string(content_type.substr(0, 80)));
    auto boundary = header_param(content_type, "boundary");
    if (!boundary || boundary->empty() || boundary->size() > 200)
        return Error::make(Errc::kInvalidArgument, "the multipart/form-data content type has no valid boundary");
    return *boundary;
}

Result<std::vector<FormPart>> parse_multipart(std::string_view body, std::string_view boundary) {
    if (boundary.empty()) return Error::make(Errc::kInvalidArgument, "empty multipart boundary");
    const std::string delimiter = "--" + std::string(boundary);
    std::vector<FormPart> parts;
    // The first delimiter may be preceded by a preamble; later ones follow a CRLF.
    size_t at = body.find(delimiter);
    if (at == std::string_view::npos) return Error::make(Errc::kInvalidArgument, "the multipart body has no boundary line");
    at += delimiter.size();
    const std::string next_delimiter = "\r\n" + delimiter;
    for (;;) {
        if (body.substr(at, 2) == "--") return parts;   // closing delimiter
        // Optional whitespace, then CRLF.
        while (at < body.size() && (body[at] == ' ' || body[at] == '\t')) ++at;
        if (body.substr(at, 2) != "\r\n")
            return Error::make(Errc::kInvalidArgument, "malformed multipart body: a boundary line does not end in CRLF");
        at += 2;
        const size_t headers_end = body.find("\r\n\r\n", at);
        if (headers_end == std::string_view::npos)
            return Error::make(Errc::kInvalidArgument, "malformed multipart body: a part's headers do not end");
        FormPart part;
        bool has_disposition = false;
        std::string_view headers = body.substr(at, headers_end - at);
        while (!headers.empty()) {
            const size_t eol = headers.find("\r\n");
            std::string_view line = headers.substr(0, eol);
            headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
            const size_t colon = line.find(':');
            if (colon == std::string_view::npos)
                return Error::make(Errc::kInvalidArgument, "malformed multipart body: a part header has no ':'");
            const std::string name = lower(trim(line.substr(0, colon)));
            const std::string_view value = trim(line.substr(colon + 1));
            if (name == "content-disposition") {
                if (lower(value.substr(0, value.find(';'))) != "form-data")
                    return Error::make(Errc::kInvalidArgument, "a multipart part is not form-data");
                auto field = header_param(value, "name");
                if (!field) return Error::make(Errc::kInvalidArgument, "a multipart part has no name");
                part.name = *field;
                part.filename = header_param(value, "filename");
                has_disposition = true;
            } else if (name == "content-type") {
                part.content_type = std::string(value);
            }
        }
        if (!has_disposition)
            return Error::make(Errc::kInvalidArgument, "a multipart part has no Content-Disposition header");
        at = headers_end + 4;
        const size_t end = body.find(next_delimiter, at);
        if (end == std::string_view::npos)
            return Error::make(Errc::kInvalidArgument, "the multipart body ends before its closing boundary");
        part.data = body.substr(at, end - at);
        parts.push_back(std::move(part));
        if (parts.size() > 64) return Error::make(Errc::kInvalidArgument, "the multipart body has more than 64 parts");
        at = end + next_delimiter.size();
    }
}

}  // namespace hearth::server::api
