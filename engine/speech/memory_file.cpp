#include "engine/speech/memory_file.h"

#include <algorithm>
#include <cstring>

namespace hearth::engine::speech {

namespace {

sf_count_t file_length(void* user) { return static_cast<MemoryFile*>(user)->size(); }

sf_count_t file_seek(sf_count_t offset, int whence, void* user) {
    auto* file = static_cast<MemoryFile*>(user);
    sf_count_t target = offset;
    if (whence == SEEK_CUR) target = file->position + offset;
    else if (whence == SEEK_END) target = file->size() + offset;
    if (target < 0) return -1;
    file->position = target;
    return target;
}

sf_count_t file_read(void* buffer, sf_count_t count, void* user) {
    auto* file = static_cast<MemoryFile*>(user);
    const sf_count_t size = file->size();
    if (file->position >= size || count <= 0) return 0;
    const sf_count_t n = std::min(count, size - file->position);
    const char* data = file->output ? file->output->data() : file->input.data();
    std::memcpy(buffer, data + file->position, static_cast<size_t>(n));
    file->position += n;
    return n;
}

sf_count_t file_write(const void* buffer, sf_count_t count, void* user) {
    auto* file = static_cast<MemoryFile*>(user);
    if (!file->output || count <= 0) return 0;
    const auto end = static_cast<size_t>(file->position + count);
    if (file->output->size() < end) file->output->resize(end);
    std::memcpy(file->output->data() + file->position, buffer, static_cast<size_t>(count));
    file->position += count;
    return count;
}

sf_count_t file_tell(void* user) { return static_cast<MemoryFile*>(user)->position; }

}  // namespace

SF_VIRTUAL_IO* memory_file_io() {
    static SF_VIRTUAL_IO io{file_length, file_seek, file_read, file_write, file_tell};
    return &io;
}

}  // namespace hearth::engine::speech
