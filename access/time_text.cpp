#include "access/time_text.h"

#include <fmt/format.h>

#include <optional>

namespace hearth::access {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
    year -= month <= 2 ? 1 : 0;
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const int64_t year_of_era = year - era * 400;
    const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int64_t day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

struct Civil {
    int64_t year, month, day;
};

Civil civil_from_days(int64_t days) {
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const int64_t day_of_era = days - era * 146097;
    const int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const int64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const int64_t mp = (5 * day_of_year + 2) / 153;
    const int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
    const int64_t month = mp < 10 ? mp + 3 : mp - 9;
    return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

bool is_leap(int64_t year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int64_t days_in_month(int64_t year, int64_t month) {
    static constexpr int64_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Reads exactly `n_digits` decimal digits at `pos`.
std::optional<int64_t> digits(std::string_view text, size_t pos, size_t n_digits) {
    if (pos + n_digits > text.size()) return std::nullopt;
    int64_t value = 0;
    for (size_t idx = pos; idx < pos + n_digits; ++idx) {
        if (text[idx] < '0' || text[idx] > '9') return std::nullopt;
        value = value * 10 + (text[idx] - '0');
    }
    return value;
}

Error bad_expiry(std::string_view text) {
    return Error::make(Errc::kInvalidArgument,
                       "expiry '{}' is not a date (2026-03-01), a UTC time "
                       "(2026-03-01T12:30:00Z) or a duration (30d, 12h)",
                       text.substr(0, 64));
}

std::optional<int64_t> parse_duration(std::string_view text) {
    if (text.size() < 2 || text.size() > 8) return std::nullopt;
    const char unit = text.back();
    auto count = digits(text, 0, text.size() - 1);
    if (!count || *count < 1) return std::nullopt;
    if (unit == 'd' && *count <= 36'500) return *count * kMsPerDay;
    if (unit == 'h' && *count <= 876'000) return *count * 3'600'000;
    return std::nullopt;
}

std::optional<int64_t> parse_instant(std::string_view text) {
    auto year = digits(text, 0, 4);
    auto month = digits(text, 5, 2);
    auto day = digits(text, 8, 2);
    if (!year || !month || !day || text[4] != '-' || text[7] != '-') return std::nullopt;
    if (*year < 1970 || *month < 1 || *month > 12 || *day < 1 ||
        *day > days_in_month(*year, *month))
        return std::nullopt;
    int64_t ms = days_from_civil(*year, *month, *day) * kMsPerDay;
    if (text.size() == 10) return ms;

    if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
    auto hour = digits(text, 11, 2);
    auto minute = digits(text, 14, 2);
    if (!hour || !minute || text.size() < 17 || text[13] != ':' || *hour > 23 || *minute > 59)
        return std::nullopt;
    ms += (*hour * 3600 + *minute * 60) * 1000;
    size_t pos = 16;
    if (pos < text.size() && text[pos] == ':') {
        auto second = digits(text, pos + 1, 2);
        if (!second || *second > 59) return std::nullopt;  // no leap seconds
        ms += *second * 1000;
        pos += 3;
    }
    if (pos >= text.size()) return std::nullopt;  // RFC 3339 needs the offset
    if ((text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) return ms;
    if ((text[pos] == '+' || text[pos] == '-') && pos + 6 == text.size() && text[pos + 3] == ':') {
        auto offset_hours = digits(text, pos + 1, 2);
        auto offset_minutes = digits(text, pos + 4, 2);
        if (!offset_hours || !offset_minutes || *offset_hours > 23 || *offset_minutes > 59)
            return std::nullopt;
        const int64_t offset_ms = (*offset_hours * 60 + *offset_minutes) * 60'000;
        // Local time = UTC + offset, so UTC = local - offset.
        return text[pos] == '+' ? ms - offset_ms : ms + offset_ms;
    }
    return std::nullopt;
}

}  // namespace

Result<int64_t> parse_expiry(std::string_view text, int64_t now_unix_ms) {
    if (text.empty() || text.size() > 32) return bad_expiry(text);
    std::optional<int64_t> instant;
    if (auto duration = parse_duration(text)) {
        instant = now_unix_ms + *duration;
    } else {
        instant = parse_instant(text);
    }
    if (!instant) return bad_expiry(text);
    // A numeric offset can carry 9999-12-31 past the last year the format can write.
    static const int64_t kEndOfYear9999 = days_from_civil(10000, 1, 1) * kMsPerDay;
    if (*instant >= kEndOfYear9999)
        return Error::make(Errc::kInvalidArgument, "expiry '{}' is after the year 9999", text);
    if (*instant <= now_unix_ms)
        return Error::make(Errc::kInvalidArgument,
                           "expiry '{}' ({}) is not in the future (now: {})", text,
                           format_utc(*instant), format_utc(now_unix_ms));
    return *instant;
}

std::string format_utc(int64_t unix_ms) {
    int64_t days = unix_ms / kMsPerDay;
    int64_t ms_of_day = unix_ms % kMsPerDay;
    if (ms_of_day < 0) {
        ms_of_day += kMsPerDay;
        --days;
    }
    const Civil date = civil_from_days(days);
    const int64_t seconds = ms_of_day / 1000;
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", date.year, date.month, date.day,
                       seconds / 3600, seconds / 60 % 60, seconds % 60);
}

}  // namespace hearth::access
