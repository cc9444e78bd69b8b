// Stop strings for one generated sequence: fed the decoded text piece by piece, it returns the
// text that is safe to show now and notices when a stop string appears.
//
// The result is exactly what cutting the whole text at the first stop string would give: the
// concatenation of everything push() and flush() return equals
//   - the text up to (not including) the earliest occurrence of any stop string, as soon as the
//     text so far contains one (the sequence should then end: later pushes return nothing);
//   - all of the text, if the stream ends (flush()) without one.
// To do that it holds back the longest tail of the text that could still grow into a stop string,
// and the bytes of a UTF-8 character that is not complete yet (so a character is never split
// between two results). Held text is at most the longest stop string plus 3 bytes.
//
// Stop strings may overlap, share prefixes, span any number of pieces and contain any bytes;
// empty stop strings are ignored. One StopMatcher per sequence, used by one thread at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::text {

class StopMatcher {
public:
    struct Output {
        std::string text;      // safe to emit now (possibly empty)
        bool stopped = false;  // a stop string completed: `text` ends right before it
        int stop_idx = -1;     // which stop string (index into the constructor's list), if stopped
    };

    explicit StopMatcher(std::vector<std::string> stop_strings);

    // Adds the next piece of text. After a stop, returns nothing more.
    Output push(std::string_view piece);
    // Ends the stream: returns what is still held (nothing after a stop).
    Output flush();

    bool stopped() const { return stopped_; }
    size_t held_bytes() const { return held_.size(); }
    const std::vector<std::string>& stop_strings() const { return stops_; }

private:
    std::vector<std::string> stops_;  // as given (index = stop_idx); empty ones never match
    size_t max_stop_bytes_ = 0;
    std::string held_;
    bool stopped_ = false;
};

}  // namespace hearth::text
