// The permission matrix, cell by cell, against the table in issue 8 (written out again here, not
// read from the code under test).
#include <gtest/gtest.h>

#include <string>

#include "access/permissions.h"

namespace hearth::access {
namespace {

struct Cell {
    Role role;
    Resource resource;
    Access expected;
};

std::string cell_name(const ::testing::TestParamInfo<Cell>& info) {
    return std::string(role_name(info.param.role)) + "_" + resource_name(info.param.resource);
}

constexpr Access kNo = Access::kNone;
constexpr Access kR = Access::kRead;
constexpr Access kRW = Access::kReadWrite;

// | resource                           | admin | operator | user | guest |
// | system configuration, keys, audit  |  RW   |    R     |  -   |  -    |
// | plugins                            |  RW   |    RW    |  R   |  R    |
// | models (load/unload/pin)           |  RW   |    RW    |  R   |  R    |
// | inference (all modalities)         |  RW   |    RW    |  RW  |  -    |
// | monitoring (stats, metrics, queue) |  RW   |    R     |  R   |  R    |
const Cell kCells[] = {
    {Role::kAdmin, Resource::kSystem, kRW},     {Role::kOperator, Resource::kSystem, kR},
    {Role::kUser, Resource::kSystem, kNo},      {Role::kGuest, Resource::kSystem, kNo},
    {Role::kAdmin, Resource::kPlugins, kRW},    {Role::kOperator, Resource::kPlugins, kRW},
    {Role::kUser, Resource::kPlugins, kR},      {Role::kGuest, Resource::kPlugins, kR},
    {Role::kAdmin, Resource::kModels, kRW},     {Role::kOperator, Resource::kModels, kRW},
    {Role::kUser, Resource::kModels, kR},       {Role::kGuest, Resource::kModels, kR},
    {Role::kAdmin, Resource::kInference, kRW},  {Role::kOperator, Resource::kInference, kRW},
    {Role::kUser, Resource::kInference, kRW},   {Role::kGuest, Resource::kInference, kNo},
    {Role::kAdmin, Resource::kMonitoring, kRW}, {Role::kOperator, Resource::kMonitoring, kR},
    {Role::kUser, Resource::kMonitoring, kR},   {Role::kGuest, Resource::kMonitoring, kR},
};

class PermissionCell : public ::testing::TestWithParam<Cell> {};

TEST_P(PermissionCell, GrantsExactlyTheTable) {
    const Cell& cell = GetParam();
    EXPECT_EQ(granted(cell.role, cell.resource), cell.expected);
    // Read-write includes read; nothing is needed for kNone.
    EXPECT_TRUE(allowed(cell.role, cell.resource, Access::kNone));
    EXPECT_EQ(allowed(cell.role, cell.resource, Access::kRead), cell.expected != kNo);
    EXPECT_EQ(allowed(cell.role, cell.resource, Access::kReadWrite), cell.expected == kRW);
}

INSTANTIATE_TEST_SUITE_P(Matrix, PermissionCell, ::testing::ValuesIn(kCells), cell_name);

TEST(Permissions, TheTableCoversEveryRoleAndResource) {
    EXPECT_EQ(std::size(kCells), static_cast<size_t>(kRoleCount * kResourceCount));
    for (int role = 0; role < kRoleCount; ++role)
        for (int resource = 0; resource < kResourceCount; ++resource) {
            int found = 0;
            for (const Cell& cell : kCells)
                found += cell.role == static_cast<Role>(role) &&
                         cell.resource == static_cast<Resource>(resource);
            EXPECT_EQ(found, 1) << role << " " << resource;
        }
}

TEST(Permissions, NamesRoundTripAndUnknownNamesAreRefused) {
    for (int role = 0; role < kRoleCount; ++role)
        EXPECT_EQ(parse_role(role_name(static_cast<Role>(role))), static_cast<Role>(role));
    for (int resource = 0; resource < kResourceCount; ++resource)
        EXPECT_EQ(parse_resource(resource_name(static_cast<Resource>(resource))),
                  static_cast<Resource>(resource));
    EXPECT_EQ(parse_role("Admin"), std::nullopt);
    EXPECT_EQ(parse_role("root"), std::nullopt);
    EXPECT_EQ(parse_role(""), std::nullopt);
    EXPECT_EQ(parse_resource("keys"), std::nullopt);
    EXPECT_STREQ(access_name(Access::kReadWrite), "read-write");
}

}  // namespace
}  // namespace hearth::access
