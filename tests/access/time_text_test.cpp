// Expiry parsing and UTC formatting.
#include <gtest/gtest.h>

#include "access/time_text.h"

namespace hearth::access {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
constexpr int64_t kDay = 86'400'000;

int64_t expiry(std::string_view text) {
    return parse_expiry(text, kNow).value_or(-1);
}

TEST(TimeText, FormatsUtc) {
    EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_utc(kNow), "2023-11-14T22:13:20Z");
    EXPECT_EQ(format_utc(kNow + 999), "2023-11-14T22:13:20Z");       // rounds down
    EXPECT_EQ(format_utc(951'782'400'000), "2000-02-29T00:00:00Z");  // a leap day
    EXPECT_EQ(format_utc(253'402'300'799'000), "9999-12-31T23:59:59Z");
    EXPECT_EQ(format_utc(-1000), "1969-12-31T23:59:59Z");
}

TEST(TimeText, DatesMeanTheStartOfTheDayInUtc) {
    EXPECT_EQ(expiry("2024-01-01"), 1'704'067'200'000);
    EXPECT_EQ(expiry("2024-02-29"), 1'709'164'800'000);
    EXPECT_EQ(format_utc(expiry("2030-06-15")), "2030-06-15T00:00:00Z");
}

TEST(TimeText, Rfc3339TimesWithZOrAnOffset) {
    EXPECT_EQ(format_utc(expiry("2030-06-15T12:30:45Z")), "2030-06-15T12:30:45Z");
    EXPECT_EQ(format_utc(expiry("2030-06-15t12:30:45z")), "2030-06-15T12:30:45Z");
    EXPECT_EQ(format_utc(expiry("2030-06-15 12:30Z")), "2030-06-15T12:30:00Z");
    EXPECT_EQ(format_utc(expiry("2030-06-15T12:30:00+02:00")), "2030-06-15T10:30:00Z");
    EXPECT_EQ(format_utc(expiry("2030-06-15T23:30:00-05:30")), "2030-06-16T05:00:00Z");
}

TEST(TimeText, DurationsCountFromNow) {
    EXPECT_EQ(expiry("30d"), kNow + 30 * kDay);
    EXPECT_EQ(expiry("12h"), kNow + 12 * 3'600'000);
    EXPECT_EQ(expiry("36500d"), kNow + 36'500 * kDay);
    EXPECT_EQ(expiry("36501d"), -1);
    EXPECT_EQ(expiry("0d"), -1);
    EXPECT_EQ(expiry("5m"), -1);
    EXPECT_EQ(expiry("d"), -1);
    EXPECT_EQ(expiry("-3d"), -1);
}

TEST(TimeText, RefusesMalformedAndImpossibleDates) {
    for (const char* text : {"",
                             "tomorrow",
                             "2030-13-01",
                             "2030-02-30",
                             "2031-02-29",
                             "2030-00-10",
                             "2030-1-01",
                             "2030-01-01T",
                             "2030-01-01T25:00Z",
                             "2030-01-01T12:60Z",
                             "2030-01-01T12:30:60Z",
                             "2030-01-01T12:30",
                             "2030-01-01T12:30:00",
                             "2030-01-01T12:30:00.5Z",
                             "2030-01-01T12:30:00+0200",
                             "2030-01-01T12:30:00+24:00",
                             "2030-01-01Z",
                             "2030-01-01T12:30:00Zjunk",
                             "1969-12-31",
                             "+2030-01-01",
                             "2030/01/01"}) {
        auto parsed = parse_expiry(text, kNow);
        EXPECT_FALSE(parsed.ok()) << text;
        if (!parsed.ok()) {
            EXPECT_EQ(parsed.error().code, Errc::kInvalidArgument);
        }
    }
    auto long_text = parse_expiry(std::string(10'000, '9'), kNow);
    ASSERT_FALSE(long_text.ok());
    EXPECT_LT(long_text.error().message.size(), 200u);  // the message does not echo it all
}

TEST(TimeText, RefusesThePast) {
    auto past = parse_expiry("2020-01-01", kNow);
    ASSERT_FALSE(past.ok());
    EXPECT_NE(past.error().message.find("not in the future"), std::string::npos);
    EXPECT_FALSE(parse_expiry(format_utc(kNow), kNow).ok());  // now is not after now
    EXPECT_TRUE(parse_expiry("9999-12-31T23:59:59+00:01", kNow).ok());
    EXPECT_FALSE(parse_expiry("9999-12-31T23:59:59-00:01", kNow).ok());  // into year 10000
}

}  // namespace
}  // namespace hearth::access
