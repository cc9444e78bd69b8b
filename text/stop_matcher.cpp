#include "text/stop_matcher.h"

#include <algorithm>

#include "text/utf8.h"

namespace hearth::text {
namespace {

// Bytes at the end of `text` that begin a UTF-8 character still missing continuation bytes.
size_t incomplete_utf8_tail(std::string_view text) {
    // A character is at most 4 bytes: look at the last lead byte among the final 3.
    const size_t first = text.size() > 3 ? text.size() - 3 : 0;
    for (size_t offset = text.size(); offset-- > first;) {
        const auto byte = static_cast<unsigned char>(text[offset]);
        if ((byte & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
        const utf8::Decoded unit = utf8::decode(text, offset);
        return unit.truncated && offset + unit.length == text.size() ? text.size() - offset : 0;
    }
    return 0;
}

}  // namespace

StopMatcher::StopMatcher(std::vector<std::string> stop_strings) : stops_(std::move(stop_strings)) {
    for (const std::string& stop : stops_) max_stop_bytes_ = std::max(max_stop_bytes_, stop.size());
}

StopMatcher::Output StopMatcher::push(std::string_view piece) {
    Output out;
    if (stopped_) return out;
    std::string buffer = std::move(held_);
    held_.clear();
    buffer.append(piece);

    // The earliest stop string in the buffer. Text already emitted cannot hold the start of one:
    // its possible starts were all held back.
    size_t best_pos = std::string::npos;
    for (size_t idx = 0; idx < stops_.size(); ++idx) {
        if (stops_[idx].empty()) continue;
        const size_t pos = buffer.find(stops_[idx]);
        if (pos < best_pos) {
            best_pos = pos;
            out.stop_idx = static_cast<int>(idx);
        }
    }
    if (best_pos != std::string::npos) {
        stopped_ = true;
        out.stopped = true;
        buffer.resize(best_pos);
        out.text = std::move(buffer);
        return out;
    }

    // Hold the longest tail that is a proper prefix of some stop string ...
    size_t hold = 0;
    const size_t longest = std::min(buffer.size(), max_stop_bytes_ > 0 ? max_stop_bytes_ - 1 : 0);
    for (size_t length = longest; length > 0 && hold == 0; --length) {
        const std::string_view tail = std::string_view(buffer).substr(buffer.size() - length);
        for (const std::string& stop : stops_) {
            if (stop.size() > length && stop.compare(0, length, tail) == 0) {
                hold = length;
                break;
            }
        }
    }
    // ... and any character still missing bytes.
    hold = std::max(hold, incomplete_utf8_tail(buffer));
    held_.assign(buffer, buffer.size() - hold, hold);
    buffer.resize(buffer.size() - hold);
    out.text = std::move(buffer);
    return out;
}

StopMatcher::Output StopMatcher::flush() {
    Output out;
    if (stopped_) return out;
    out.text = std::move(held_);
    held_.clear();
    return out;
}

}  // namespace hearth::text
