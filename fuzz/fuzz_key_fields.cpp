// Fuzzes the key fields that arrive from clients (POST /api/keys, the CLI) and the address text
// the failed-auth limiter groups by: expiry text, key names, client addresses. Each must be
// accepted or refused, never crash; accepted expiries must lie after "now" and format back to a
// time that parses to the same second.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "access/auth_failure_limiter.h"
#include "access/key_store.h"
#include "access/time_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace hearth::access;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    constexpr int64_t kNow = 1'700'000'000'000;
    auto expiry = parse_expiry(input, kNow);
    if (expiry.ok()) {
        if (*expiry <= kNow) std::abort();
        auto again = parse_expiry(format_utc(*expiry), kNow);
        if (!again.ok() || *again != *expiry / 1000 * 1000) std::abort();
    }
    (void)validate_key_name(input);
    if (client_group(input).size() > 128) std::abort();
    return 0;
}
