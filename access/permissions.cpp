#include "access/permissions.h"

#include <array>

namespace hearth::access {
namespace {

constexpr Access kNo = Access::kNone;
constexpr Access kR = Access::kRead;
constexpr Access kRW = Access::kReadWrite;

// The permission matrix: kMatrix[resource][role], rows and columns in enum order.
constexpr std::array<std::array<Access, kRoleCount>, kResourceCount> kMatrix = {{
    //  admin  operator  user  guest
    {{kRW, kR, kNo, kNo}},   // system configuration, keys, audit
    {{kRW, kRW, kR, kR}},    // plugins
    {{kRW, kRW, kR, kR}},    // models
    {{kRW, kRW, kRW, kNo}},  // inference
    {{kRW, kR, kR, kR}},     // monitoring
}};

constexpr std::array<const char*, kRoleCount> kRoleNames = {"admin", "operator", "user", "guest"};
constexpr std::array<const char*, kResourceCount> kResourceNames = {"system", "plugins", "models",
                                                                    "inference", "monitoring"};

}  // namespace

Access granted(Role role, Resource resource) {
    return kMatrix[static_cast<size_t>(resource)][static_cast<size_t>(role)];
}

bool allowed(Role role, Resource resource, Access needed) {
    return static_cast<uint8_t>(granted(role, resource)) >= static_cast<uint8_t>(needed);
}

const char* role_name(Role role) {
    return kRoleNames[static_cast<size_t>(role)];
}

const char* resource_name(Resource resource) {
    return kResourceNames[static_cast<size_t>(resource)];
}

const char* access_name(Access access) {
    switch (access) {
        case Access::kNone:
            return "none";
        case Access::kRead:
            return "read";
        case Access::kReadWrite:
            return "read-write";
    }
    return "none";
}

std::optional<Role> parse_role(std::string_view name) {
    for (size_t idx = 0; idx < kRoleNames.size(); ++idx)
        if (name == kRoleNames[idx]) return static_cast<Role>(idx);
    return std::nullopt;
}

std::optional<Resource> parse_resource(std::string_view name) {
    for (size_t idx = 0; idx < kResourceNames.size(); ++idx)
        if (name == kResourceNames[idx]) return static_cast<Resource>(idx);
    return std::nullopt;
}

}  // namespace hearth::access
