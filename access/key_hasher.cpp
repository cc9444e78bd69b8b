#include "access/key_hasher.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "access/api_key.h"

namespace hearth::access {
namespace {

Error io_error(const char* what, const std::filesystem::path& path) {
    return Error::make(Errc::kIo, "cannot {} key secret '{}': {}", what, path.string(),
                       std::strerror(errno));
}

// Closes a file descriptor on every path out.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

Status write_all(int fd, const uint8_t* data, size_t size) {
    while (size > 0) {
        const ssize_t written = ::write(fd, data, size);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return Error::make(Errc::kIo, "{}", std::strerror(errno));
        data += written;
        size -= static_cast<size_t>(written);
    }
    return ok_status();
}

// Writes a new secret to a private temporary file and links it to `path`: link() never replaces
// an existing file, so when two processes race, one secret wins and both then read it.
Status create_secret(const std::filesystem::path& path) {
    const std::filesystem::path temp = path.string() + ".tmp." + std::to_string(::getpid()) + "." +
                                       std::to_string(randombytes_random());
    Fd file{::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)};
    if (file.fd < 0) return io_error("create", temp);
    std::array<uint8_t, kSecretBytes> secret{};
    randombytes_buf(secret.data(), secret.size());
    Status written = write_all(file.fd, secret.data(), secret.size());
    sodium_memzero(secret.data(), secret.size());
    if (written.ok() && ::fsync(file.fd) != 0) written = io_error("sync", temp);
    if (!written.ok()) {
        ::unlink(temp.c_str());
        return written.error().wrap("writing key secret '{}'", temp.string());
    }
    const bool linked = ::link(temp.c_str(), path.c_str()) == 0;
    const int link_errno = errno;
    ::unlink(temp.c_str());
    if (!linked && link_errno != EEXIST) {
        errno = link_errno;
        return io_error("create", path);
    }
    // Make the new name durable too.
    Fd dir{::open(path.parent_path().empty() ? "." : path.parent_path().c_str(),
                  O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir.fd >= 0) ::fsync(dir.fd);
    return ok_status();
}

}  // namespace

bool hashes_equal(const KeyHash& left, const KeyHash& right) {
    return sodium_memcmp(left.data(), right.data(), left.size()) == 0;
}

Result<KeyHasher> KeyHasher::load_or_create(const std::filesystem::path& path) {
    HEARTH_TRY(ensure_sodium());
    Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    if (file.fd < 0 && errno == ENOENT) {
        HEARTH_TRY(create_secret(path));
        file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    }
    if (file.fd < 0) return io_error("open", path);

    struct stat info {};
    if (::fstat(file.fd, &info) != 0) return io_error("inspect", path);
    if (!S_ISREG(info.st_mode))
        return Error::make(Errc::kCorrupt, "key secret '{}' is not a regular file", path.string());
    if (info.st_uid != ::geteuid())
        return Error::make(Errc::kPermissionDenied,
                           "key secret '{}' belongs to another user (uid {}): run Hearth as its "
                           "owner or use another --data-dir",
                           path.string(), info.st_uid);
    if ((info.st_mode & 077) != 0)
        return Error::make(Errc::kPermissionDenied,
                           "key secret '{}' is open to other users (mode {:o}): "
                           "run 'chmod 600 {}'",
                           path.string(), info.st_mode & 0777, path.string());
    if (info.st_size != static_cast<off_t>(kSecretBytes))
        return Error::make(Errc::kCorrupt, "key secret '{}' holds {} bytes, not {}", path.string(),
                           info.st_size, kSecretBytes);

    KeyHasher hasher;
    size_t n_read = 0;
    while (n_read < kSecretBytes) {
        const ssize_t got = ::read(file.fd, hasher.secret_.data() + n_read, kSecretBytes - n_read);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return io_error("read", path);
        n_read += static_cast<size_t>(got);
    }
    return hasher;
}

KeyHasher KeyHasher::from_secret(std::span<const uint8_t, kSecretBytes> secret) {
    (void)ensure_sodium();  // hashing needs no initialisation; comparison helpers prefer it
    KeyHasher hasher;
    std::memcpy(hasher.secret_.data(), secret.data(), kSecretBytes);
    return hasher;
}

KeyHasher::~KeyHasher() {
    sodium_memzero(secret_.data(), secret_.size());
}

KeyHash KeyHasher::hash(std::string_view key) const {
    KeyHash digest{};
    crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const uint8_t*>(key.data()),
                       key.size(), secret_.data(), secret_.size());
    return digest;
}

}  // namespace hearth::access
