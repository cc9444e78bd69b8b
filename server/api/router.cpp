#include "server/api/router.h"

#include <string_view>

namespace hearth::server::api {

void Router::add(std::string method, std::string pattern, RouteHandler handler) {
    routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler)});
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
    Match out;
    for (const Route& route : routes_) {
        RouteParams params;
        bool path_matches = route.pattern == path;
        if (const size_t hole = route.pattern.find("{id}"); !path_matches && hole != std::string::npos) {
            const std::string_view prefix = std::string_view(route.pattern).substr(0, hole);
            const std::string_view suffix = std::string_view(route.pattern).substr(hole + 4);
            if (path.size() > prefix.size() + suffix.size() && path.starts_with(prefix) && path.ends_with(suffix)) {
                path_matches = true;
                params.id = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
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
