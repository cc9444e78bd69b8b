#include "base/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hearth {

MappedFile::~MappedFile() {
    if (data_) munmap(const_cast<uint8_t*>(data_), size_);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(other.data_), size_(other.size_), path_(std::move(other.path_)) {
    other.data_ = nullptr;
    other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
    if (this != &other) {
        if (data_) munmap(const_cast<uint8_t*>(data_), size_);
        data_ = other.data_;
        size_ = other.size_;
        path_ = std::move(other.path_);
        other.data_ = nullptr;
        other.size_ = 0;
    }
    return *this;
}

Result<MappedFile> MappedFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return Error::make(err == ENOENT ? Errc::kNotFound : Errc::kIo, "cannot open '{}': {}",
                           path, std::strerror(err));
    }
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return Error::make(Errc::kIo, "cannot stat '{}': {}", path, std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error::make(Errc::kInvalidArgument, "'{}' is not a regular file", path);
    }
    MappedFile file;
    file.path_ = path;
    file.size_ = static_cast<size_t>(st.st_size);
    if (file.size_ > 0) {
        void* addr = mmap(nullptr, file.size_, PROT_READ, MAP_SHARED, fd, 0);
        if (addr == MAP_FAILED) {
            const int err = errno;
            ::close(fd);
            file.size_ = 0;
            return Error::make(Errc::kIo, "cannot map '{}': {}", path, std::strerror(err));
        }
        file.data_ = static_cast<const uint8_t*>(addr);
    }
    ::close(fd);  // the mapping keeps the file alive
    return file;
}

void MappedFile::advise_random() const {
    if (data_) madvise(const_cast<uint8_t*>(data_), size_, MADV_RANDOM);
}

void MappedFile::advise_willneed(size_t offset, size_t length) const {
    if (!data_ || offset >= size_) return;
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t begin = offset / page * page;
    const size_t end = std::min(size_, offset + length);
    madvise(const_cast<uint8_t*>(data_) + begin, end - begin, MADV_WILLNEED);
}

void MappedFile::prefault(size_t offset, size_t length) const {
    if (!data_ || offset >= size_) return;
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t end = std::min(size_, offset + length);
    volatile uint8_t sink = 0;
    for (size_t pos = offset; pos < end; pos += page) sink = sink + data_[pos];
    (void)sink;
}

}  // namespace hearth
