// A text-to-speech voice: a language voice of espeak-ng ("en-us"), optionally with a variant that
// changes the speaker ("en-us+klatt"). Threads: plain data.
#pragma once

#include <string>

namespace hearth::engine::speech {

struct Voice {
    std::string id;         // what requests name: "en-us", or a variant's "+klatt"
    std::string name;       // espeak-ng's display name ("English_(America)", "klatt")
    std::string language;   // the language tag; empty for a variant
    std::string gender;     // "male", "female" or ""
    bool variant = false;
};

}  // namespace hearth::engine::speech
