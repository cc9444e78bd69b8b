// A heap buffer aligned to 64 bytes (one cache line, one AVX-512 register), for activations and
// scratch space that SIMD kernels read and write. Move-only; contents are uninitialised.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

namespace hearth {

class AlignedBuffer {
public:
    static constexpr size_t kAlignment = 64;

    AlignedBuffer() = default;
    explicit AlignedBuffer(size_t bytes) { resize(bytes); }
    ~AlignedBuffer() { std::free(data_); }
    AlignedBuffer(AlignedBuffer&& other) noexcept
        : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
        if (this != &other) {
            std::free(data_);
            data_ = std::exchange(other.data_, nullptr);
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;

    // Reallocates (discarding contents) when `bytes` exceeds the current size.
    void resize(size_t bytes) {
        if (bytes <= size_) return;
        std::free(data_);
        const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
        data_ = std::aligned_alloc(kAlignment, rounded);
        if (!data_) throw std::bad_alloc();
        size_ = rounded;
    }

    void* data() { return data_; }
    const void* data() const { return data_; }
    template <typename T>
    T* as() { return static_cast<T*>(data_); }
    template <typename T>
    const T* as() const { return static_cast<const T*>(data_); }
    size_t size() const { return size_; }

private:
    void* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace hearth
