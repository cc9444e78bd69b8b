// Which resource each route touches, the access it needs and its rate-limit class: the one table
// the access gate consults (docs/security.md prints it).
//
//   inference routes (chat, completions, embeddings, tokenize, audio, images)  inference  RW  inference
//   model listings (/v1/models, /api/tags, /api/ps, /api/show, GET /api/models...)  models  R  status
//   model changes (POST/DELETE /api/models..., /api/pull, /api/delete ...)      models     RW  admin
//   GET /api/plugins... / changes                                              plugins    R/RW status/admin
//   GET /api/keys, /api/audit, /api/config / changes                           system     R/RW admin
//   /metrics, /api/system/..., /api/version                                    monitoring R   status
//   /health, /ready, /                                                         public (no key needed)
//
// A route the table does not know needs system RW (admin only): a new route is closed until it
// is classified here. Pure function; callable from any thread.
#pragma once

#include <string_view>

#include "access/permissions.h"
#include "access/rate_limiter.h"

namespace hearth::server::api {

struct RouteAccess {
    bool is_public = false;   // no credentials needed (load balancers probe /health, /ready)
    access::Resource resource = access::Resource::kSystem;
    access::Access needs = access::Access::kReadWrite;
    access::RouteClass route_class = access::RouteClass::kAdmin;
    bool classified = true;   // false: the table does not know the route (admin only)
};

// `pattern` is the matched route pattern ("/v1/models/{id}").
RouteAccess route_access(std::string_view method, std::string_view pattern);

}  // namespace hearth::server::api
