// The HTTP API of `hearth serve`: every route (OpenAI, Ollama, native, monitoring) and the
// request pipeline around them:
//
//   CORS (preflight, foreign origins 403) -> route (404/405) -> authorize (access hook;
//   401/403/429) -> handler -> metrics
//
// handle() is a plain function from HttpRequest to Reply, so the whole API is testable without
// sockets; handlers() adapts it for HttpServer. Errors are OpenAI-shaped, except on Ollama's
// /api/* routes where they take Ollama's shape.
// Threads: handle() and live_message() are called concurrently from the I/O threads.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "base/metrics.h"
#include "server/api/authorizer.h"
#include "server/api/context.h"
#include "server/api/cors.h"
#include "server/api/router.h"
#include "server/http_server.h"
#include "serving/service.h"

namespace hearth::server::api {

class Api {
public:
    Api(serving::Service& service, metrics::Registry& registry, ApiConfig config = {},
        std::shared_ptr<Authorizer> authorizer = std::make_shared<AllowAll>());

    Reply handle(HttpRequest&& request);
    // The body of an error the transport answers itself (413, 431, 503 ...).
    HttpResponse transport_error(int status, const std::string& message) const;
    // The message pushed to WebSocket subscribers of /ws/metrics every interval: the system status
    // with the generation rate since the previous message.
    std::string live_message();
    HttpHandlers handlers();

    // While draining, /ready answers 503 and the status says "draining".
    void set_draining(bool draining) { context_.draining.store(draining); }
    // Finishes the blocking calls (embeddings, audio, tokenizer) and stops their threads: call it
    // before the service goes away, since they call into it.
    void finish_blocking_calls() {
        context_.blocking.join();
        context_.audio.join();
    }
    void set_transport_stats(std::function<TransportStats()> read) { context_.transport_stats = std::move(read); }
    Context& context() { return context_; }

private:
    Context context_;
    std::shared_ptr<Authorizer> authorizer_;
    CorsPolicy cors_;
    Router router_;
    std::mutex live_mutex_;
    Clock::time_point live_time_ = Clock::now();
    double live_generated_ = 0;
};

}  // namespace hearth::server::api
