// Expected-style results: functions that can fail for reasons outside the program's control
// (bad input, missing files, exhausted budgets) return Result<T> or Status; asserts are for
// programmer errors only. An Error carries a code (mapped to HTTP statuses at the edge) and a
// message written for the user: it names the problem ("tensor 'blk.0.attn_q.weight' ends at
// byte 1234, past the end of the file (1000 bytes)").
#pragma once

#include <fmt/core.h>

#include <cassert>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace hearth {

enum class Errc {
    kInvalidArgument,     // the caller's input is malformed or out of range
    kNotFound,            // a named thing (file, model, key) does not exist
    kCorrupt,             // a file's content is inconsistent or truncated
    kUnsupported,         // well-formed but not something we implement (a dtype, an arch)
    kOutOfRange,          // a size or count exceeds a limit (context, budget)
    kResourceExhausted,   // no room: memory budget, queue, KV blocks
    kIo,                  // the OS refused (open, mmap, read)
    kCancelled,           // the request was cancelled
    kTimeout,             // a deadline passed
    kUnavailable,         // temporarily cannot serve (loading, draining)
    kPermissionDenied,    // authenticated but not allowed
    kUnauthenticated,     // no or bad credentials
    kAlreadyExists,
    kFailedPrecondition,  // the system is not in a state to do this
    kInternal,            // a bug or an invariant broke
};

const char* errc_name(Errc code);

struct Error {
    Errc code = Errc::kInternal;
    std::string message;

    template <typename... Args>
    static Error make(Errc code, fmt::format_string<Args...> format, Args&&... args) {
        return Error{code, fmt::format(format, std::forward<Args>(args)...)};
    }
    // Prefixes context: err.wrap("loading {}", path) -> "loading x.gguf: <message>".
    template <typename... Args>
    Error wrap(fmt::format_string<Args...> format, Args&&... args) const {
        return Error{code, fmt::format(format, std::forward<Args>(args)...) + ": " + message};
    }
};

template <typename T>
class [[nodiscard]] Result {
public:
    using value_type = T;

    Result(const T& value) : storage_(value) {}                    // NOLINT(google-explicit-constructor)
    Result(T&& value) : storage_(std::move(value)) {}              // NOLINT(google-explicit-constructor)
    Result(Error error) : storage_(std::move(error)) {}            // NOLINT(google-explicit-constructor)
    template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                      !std::is_same_v<std::decay_t<U>, Error> &&
                                                      !std::is_same_v<std::decay_t<U>, T>>>
    Result(U&& value) : storage_(std::in_place_index<0>, std::forward<U>(value)) {}  // NOLINT

    bool ok() const { return storage_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(storage_); }
    const T& value() const& { assert(ok()); return std::get<0>(storage_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(storage_)); }
    T value_or(T fallback) const& { return ok() ? std::get<0>(storage_) : std::move(fallback); }

    const Error& error() const { assert(!ok()); return std::get<1>(storage_); }
    Error&& take_error() { assert(!ok()); return std::get<1>(std::move(storage_)); }

    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, Error> storage_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return !error_.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { assert(!ok()); return *error_; }
    Error&& take_error() { assert(!ok()); return std::move(*error_); }

private:
    std::optional<Error> error_;
};

using Status = Result<void>;

inline Status ok_status() { return {}; }

}  // namespace hearth

#define HEARTH_CONCAT_INNER(a, b) a##b
#define HEARTH_CONCAT(a, b) HEARTH_CONCAT_INNER(a, b)

// HEARTH_TRY(status_expr): returns the error from the enclosing function if the expression failed.
#define HEARTH_TRY(expr)                                            \
    do {                                                            \
        auto&& hearth_try_result_ = (expr);                         \
        if (!hearth_try_result_.ok()) return hearth_try_result_.take_error(); \
    } while (0)

// HEARTH_ASSIGN_OR_RETURN(auto x, result_expr): binds the value or returns the error.
#define HEARTH_ASSIGN_OR_RETURN(lhs, expr)                                                   \
    auto&& HEARTH_CONCAT(hearth_result_, __LINE__) = (expr);                                 \
    if (!HEARTH_CONCAT(hearth_result_, __LINE__).ok())                                       \
        return HEARTH_CONCAT(hearth_result_, __LINE__).take_error();                         \
    lhs = std::move(HEARTH_CONCAT(hearth_result_, __LINE__)).value()
