// The route table of the access gate: every route the API registers is classified (none falls to
// the admin-only default), and representative routes get the resource, access and class that
// docs/security.md lists.
#include <gtest/gtest.h>

#include "access/permissions.h"
#include "base/metrics.h"
#include "server/api/context.h"
#include "server/api/route_access.h"
#include "tests/server/fake_service.h"

namespace hearth::server::api {
namespace {

using access::Access;
using access::Resource;
using access::RouteClass;

TEST(RouteAccess, EveryRegisteredRouteIsClassified) {
    hearth::test::FakeService service;
    metrics::Registry registry;
    Context context(service, registry, {});
    Router router;
    add_openai_routes(router, context);
    add_ollama_routes(router, context);
    add_native_routes(router, context);
    add_manage_routes(router, context);
    add_audio_routes(router, context);
    ASSERT_GT(router.routes().size(), 10u);
    for (const Route& route : router.routes())
        EXPECT_TRUE(route_access(route.method, route.pattern).classified) << route.method << " " << route.pattern;
}

TEST(RouteAccess, RepresentativeRoutes) {
    struct Row {
        const char* method;
        const char* pattern;
        Resource resource;
        Access needs;
        RouteClass route_class;
    };
    const Row rows[] = {
        {"POST", "/v1/chat/completions", Resource::kInference, Access::kReadWrite, RouteClass::kInference},
        {"POST", "/api/generate", Resource::kInference, Access::kReadWrite, RouteClass::kInference},
        {"POST", "/v1/audio/transcriptions", Resource::kInference, Access::kReadWrite, RouteClass::kInference},
        {"GET", "/v1/models", Resource::kModels, Access::kRead, RouteClass::kStatus},
        {"POST", "/api/show", Resource::kModels, Access::kRead, RouteClass::kStatus},
        {"POST", "/api/models/{id}", Resource::kModels, Access::kReadWrite, RouteClass::kAdmin},
        {"DELETE", "/api/models/{id}", Resource::kModels, Access::kReadWrite, RouteClass::kAdmin},
        {"GET", "/api/plugins", Resource::kPlugins, Access::kRead, RouteClass::kStatus},
        {"POST", "/api/plugins/{id}", Resource::kPlugins, Access::kReadWrite, RouteClass::kAdmin},
        {"GET", "/api/keys", Resource::kSystem, Access::kRead, RouteClass::kAdmin},
        {"POST", "/api/keys", Resource::kSystem, Access::kReadWrite, RouteClass::kAdmin},
        {"DELETE", "/api/keys/{id}", Resource::kSystem, Access::kReadWrite, RouteClass::kAdmin},
        {"GET", "/api/audit", Resource::kSystem, Access::kRead, RouteClass::kAdmin},
        {"GET", "/metrics", Resource::kMonitoring, Access::kRead, RouteClass::kStatus},
        {"GET", "/api/system/status", Resource::kMonitoring, Access::kRead, RouteClass::kStatus},
        {"POST", "/api/models/{id}/load", Resource::kModels, Access::kReadWrite, RouteClass::kAdmin},
        {"POST", "/api/system/cleanup", Resource::kMonitoring, Access::kReadWrite, RouteClass::kAdmin},
        // Users cancel their own generations; the handler checks whose it is.
        {"DELETE", "/api/requests/{id}", Resource::kInference, Access::kReadWrite, RouteClass::kStatus},
    };
    for (const Row& row : rows) {
        const RouteAccess got = route_access(row.method, row.pattern);
        SCOPED_TRACE(std::string(row.method) + " " + row.pattern);
        EXPECT_FALSE(got.is_public);
        EXPECT_TRUE(got.classified);
        EXPECT_EQ(got.resource, row.resource);
        EXPECT_EQ(got.needs, row.needs);
        EXPECT_EQ(got.route_class, row.route_class);
    }
    EXPECT_TRUE(route_access("GET", "/health").is_public);
    EXPECT_TRUE(route_access("GET", "/ready").is_public);
    // An unknown route is closed to all but admins.
    const RouteAccess unknown = route_access("POST", "/api/something-new");
    EXPECT_FALSE(unknown.classified);
    EXPECT_FALSE(access::allowed(access::Role::kOperator, unknown.resource, unknown.needs));
    EXPECT_TRUE(access::allowed(access::Role::kAdmin, unknown.resource, unknown.needs));
}

}  // namespace
}  // namespace hearth::server::api
