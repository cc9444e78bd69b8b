// Routes: (method, path pattern) -> handler. A pattern is an exact path, or holds one "{id}" that
// captures what lies between its prefix and suffix ("/v1/models/{id}" takes the rest of the path,
// "/api/models/{id}/load" the part before "/load"). The pattern doubles as the metrics label of
// the route.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/api/api_metrics.h"
#include "server/http_message.h"

namespace hearth::server::api {

struct RouteParams {
    std::string id;   // what "{id}" captured
};

using RouteHandler = std::function<Reply(const HttpRequest&, const RouteParams&, std::shared_ptr<RequestRecord>)>;

struct Route {
    std::string method;
    std::string pattern;
    RouteHandler handler;
};

class Router {
public:
    void add(std::string method, std::string pattern, RouteHandler handler);

    struct Match {
        const Route* route = nullptr;   // null: no route for this method and path
        RouteParams params;
        std::string allowed;            // when the path exists under other methods: "GET, POST"
    };
    Match match(const std::string& method, const std::string& path) const;
    const std::vector<Route>& routes() const { return routes_; }

private:
    std::vector<Route> routes_;
};

}  // namespace hearth::server::api
