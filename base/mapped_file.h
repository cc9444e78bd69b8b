// A read-only memory map of a whole file. Model weights are used in place from it (zero copy):
// the pages are the page cache's, so the resident size is what the kernel has faulted in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/result.h"

namespace hearth {

class MappedFile {
public:
    MappedFile() = default;
    ~MappedFile();
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    // Maps `path` read-only. An empty file maps to data() == nullptr, size() == 0.
    static Result<MappedFile> open(const std::string& path);

    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    const std::string& path() const { return path_; }

    // Hints to the kernel; failures are ignored (they are only hints).
    void advise_random() const;
    void advise_willneed(size_t offset, size_t length) const;
    // Touches every page of [offset, offset+length) so later reads do not fault (used by preload).
    void prefault(size_t offset, size_t length) const;

private:
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    std::string path_;
};

}  // namespace hearth
