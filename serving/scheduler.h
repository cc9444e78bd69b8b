// The Service implementation: one admission path for every model, over the model manager and
// each model's continuous-batching engine.
//
//   submit() -> validate -> lease the model (loading it, waiting in the queue meanwhile: a model
//   swap never drops a request) -> render the chat template / tokenize -> engine queue (priority,
//   aging, preemption) -> events stream to the caller's sink -> lease released when every
//   choice finished (keep-alive starts then).
// A full queue answers kResourceExhausted (the edge maps it to 503 + Retry-After); a request
// whose deadline passes before it starts fails with kTimeout (408).
#pragma once

#include <memory>
#include <string>

#include "manager/catalog.h"
#include "manager/model_manager.h"
#include "serving/service.h"

namespace hearth::serving {

struct ServiceConfig {
    manager::Catalog catalog;
    manager::ManagerConfig manager;
    std::string default_model;        // id used when a request names none (empty: the first entry)
    int32_t max_queued = 256;         // requests waiting (not yet running) across all models
    std::string chat_template;        // overrides every model's template when not empty
    double max_audio_seconds = 1800;  // longest audio a transcription accepts
    int64_t max_text_chars = 100000;  // longest text to speak
};

std::unique_ptr<Service> make_service(ServiceConfig config);

// The concrete class, exposed for the model-management endpoints and tests.
class Scheduler;

}  // namespace hearth::serving
