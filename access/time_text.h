// Timestamps as text, in UTC, for key expiry (CLI --expires, the "expires" field of
// POST /api/keys), listings and the audit log. No time zone database: only UTC and numeric
// offsets, so the same input means the same instant on every machine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace hearth::access {

// An expiry instant (unix milliseconds) from one of:
//   "2026-03-01"                  00:00:00 UTC that day (the key works until the day starts)
//   "2026-03-01T12:30:00Z"        RFC 3339 with Z or a numeric offset ("+02:00"); seconds may be
//   "2026-03-01T12:30Z"           left out; a space may replace the T; fractions are not accepted
//   "30d", "12h"                  that long after `now_unix_ms` (1 to 36,500 days / 876,000 hours)
// kInvalidArgument for anything else, dates before 1970 or after 9999, and instants not after
// `now_unix_ms` (the message says which).
Result<int64_t> parse_expiry(std::string_view text, int64_t now_unix_ms);

// "2026-03-01T12:30:00Z" (whole seconds, rounded down).
std::string format_utc(int64_t unix_ms);

}  // namespace hearth::access
