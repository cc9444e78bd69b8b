#include "access/key_limits.h"

namespace hearth::access {
namespace {

Status check(const char* field, int64_t value, int64_t max) {
    if (value < 0 || value > max)
        return Error::make(Errc::kInvalidArgument,
                           "{} must be between 0 (unlimited) and {}, not {}", field, max, value);
    return ok_status();
}

}  // namespace

Status validate_limits(const KeyLimits& limits) {
    HEARTH_TRY(check("rpm", limits.rpm, kMaxRequestsPerMinute));
    HEARTH_TRY(check("tpm", limits.tpm, kMaxTokensPerMinute));
    return check("max_concurrent", limits.max_concurrent, kMaxConcurrent);
}

}  // namespace hearth::access
