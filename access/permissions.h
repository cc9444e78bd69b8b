// Roles and what each may do: the permission matrix, as data, in one place (permissions.cpp).
//
//   | resource                           | admin | operator | user | guest |
//   | system configuration, keys, audit  |  RW   |    R     |  -   |  -    |
//   | plugins                            |  RW   |    RW    |  R   |  R    |
//   | models (load/unload/pin)           |  RW   |    RW    |  R   |  R    |
//   | inference (all modalities)         |  RW   |    RW    |  RW  |  -    |
//   | monitoring (stats, metrics, queue) |  RW   |    R     |  R   |  R    |
//
// Read-write includes read. Each route of the HTTP edge names the resource it touches and the
// access it needs (GET of a listing: kRead; a change or an inference: kReadWrite), then asks
// allowed(). Pure functions of constant data: callable from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hearth::access {

enum class Role : uint8_t { kAdmin, kOperator, kUser, kGuest };
enum class Resource : uint8_t { kSystem, kPlugins, kModels, kInference, kMonitoring };
enum class Access : uint8_t { kNone, kRead, kReadWrite };  // ordered: each includes the ones before

inline constexpr int kRoleCount = 4;
inline constexpr int kResourceCount = 5;

// What `role` holds on `resource`.
Access granted(Role role, Resource resource);
// Whether `role` may do something that needs `needed` on `resource` (kNone is always allowed).
bool allowed(Role role, Resource resource, Access needed);

// "admin", "operator", "user", "guest"; "system", "plugins", "models", "inference",
// "monitoring"; "none", "read", "read-write".
const char* role_name(Role role);
const char* resource_name(Resource resource);
const char* access_name(Access access);
// Exact, lower-case names as above; empty for anything else.
std::optional<Role> parse_role(std::string_view name);
std::optional<Resource> parse_resource(std::string_view name);

}  // namespace hearth::access
