// A libsndfile virtual file over memory: reads from a byte view, or writes into a growing string
// (seekable, so encoders that rewrite their header at the end, such as FLAC's, work).
#pragma once

#include <sndfile.h>

#include <string>
#include <string_view>

namespace hearth::engine::speech {

struct MemoryFile {
    std::string_view input;   // reading
    std::string* output = nullptr;   // writing
    sf_count_t position = 0;

    sf_count_t size() const { return output ? static_cast<sf_count_t>(output->size()) : static_cast<sf_count_t>(input.size()); }
};

// The callbacks; user data is a MemoryFile*.
SF_VIRTUAL_IO* memory_file_io();

}  // namespace hearth::engine::speech
