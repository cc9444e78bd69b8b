#include "server/api/router.h"

namespace hearth::server::api {

void Router::add(std::string method, std::string pattern, RouteHandler handler) {
    routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler)});
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
    Match out;
    for (const Route& route : routes_) {
        RouteParams params;
        bool path_matches = route.pattern == path;
        if (!path_matches && route.pattern.ends_with("{id}")) {
            const std::string prefix = route.pattern.substr(0, route.pattern.size() - 4);
            if (path.size() > prefix.size() && path.starts_with(prefix)) {
                path_matches = true;
                params.id = path.substr(prefix.size());
            }
        }
        if (!path_matches) continue;
        if (route.method == method || (method == "HEAD" && route.method == "GET")) {
            out.route = &route;
            out.params = std::move(params);
            return out;
        }
        if (!out.allowed.empty()) out.allowed += ", ";
        out.allowed += route.method;
    }
    return out;
}

}  // namespace hearth::server::api
