// Residency of models under a memory budget in bytes.
//
// Before a load the manager estimates the model's bytes (weights + KV cache for its context and
// parallel sequences + working buffers), evicts idle models in least-recently-used order until the
// estimate fits (waiting while models in use hold the room), and refuses with kResourceExhausted
// when it can never fit beside the pinned models. Models in use (leased)
// are never evicted; pinned ones only by an explicit unload. Idle models unload after their
// keep-alive (-1: never). Loads run on a loader thread; callers get a callback (or block).
//
// Threads: every public method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "arch/llm_model.h"
#include "base/result.h"
#include "base/thread_pool.h"
#include "engine/llm/engine.h"
#include "engine/speech/stt_engine.h"
#include "engine/speech/tts_engine.h"
#include "manager/catalog.h"

namespace hearth::manager {

struct ManagerConfig {
    uint64_t budget_bytes = 0;             // 0: a share of physical memory (budget_share)
    double budget_share = 0.75;
    int32_t n_threads = 0;                 // compute threads (0: physical cores)
    int32_t n_ctx = 4096;                  // default context per sequence (capped by the model's)
    int32_t n_parallel = 4;                // default parallel sequences per model
    DType kv_type = DType::kF16;
    int64_t keep_alive_ms = 5 * 60 * 1000;  // default for idle models; -1: never unload
    std::chrono::milliseconds aging{2000};  // a waiting request gains one priority level per interval
    int32_t stt_decoders = 2;              // speech recognizer decoders (one worker thread each)
    int32_t stt_batch_window_ms = 5;       // transcriptions arriving this close start together
};

enum class ResidencyState { kAvailable, kLoading, kLoaded, kFailed };
const char* residency_state_name(ResidencyState state);

enum class MemoryPressure { kLow, kModerate, kHigh, kCritical };
const char* memory_pressure_name(MemoryPressure pressure);
MemoryPressure pressure_for(uint64_t used, uint64_t budget);

// A loaded model with its engine: a language model (model + engine), a text-to-speech engine
// (tts) or a speech recognizer (stt), by the entry's kind.
struct LoadedModel {
    const ModelEntry* entry = nullptr;
    std::unique_ptr<arch::LlmModel> model;
    std::unique_ptr<engine::LlmEngine> engine;
    std::unique_ptr<engine::speech::TtsEngine> tts;
    std::unique_ptr<engine::speech::SttEngine> stt;
    bool idle() const { return engine ? engine->idle() : tts ? tts->idle() : stt ? stt->idle() : true; }
    uint64_t weight_bytes = 0;
    uint64_t kv_bytes = 0;
    uint64_t scratch_bytes = 0;
    uint64_t bytes() const { return weight_bytes + kv_bytes + scratch_bytes; }
};

class ModelManager;

// Holds a model in use: while any Lease exists the model is not evicted.
class Lease {
public:
    Lease() = default;
    Lease(ModelManager* manager, std::shared_ptr<LoadedModel> loaded);
    ~Lease();
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    LoadedModel* operator->() const { return loaded_.get(); }
    LoadedModel& operator*() const { return *loaded_; }
    explicit operator bool() const { return loaded_ != nullptr; }

private:
    void reset();
    ModelManager* manager_ = nullptr;
    std::shared_ptr<LoadedModel> loaded_;
};

struct ModelStatus {
    const ModelEntry* entry = nullptr;
    ResidencyState state = ResidencyState::kAvailable;
    double progress = 0.0;
    std::string failure;
    uint64_t bytes = 0;                    // resident bytes, or the estimate when not loaded
    int64_t last_used_unix_ms = 0;
    int32_t leases = 0;
    bool pinned = false;
    int32_t n_ctx = 0;
    // The engine's KV block pool when loaded (all zero otherwise).
    int64_t kv_blocks_total = 0;
    int64_t kv_blocks_in_use = 0;
    int64_t kv_blocks_cached = 0;
};

struct MemoryStats {
    uint64_t budget_bytes = 0;
    uint64_t used_bytes = 0;
    MemoryPressure pressure = MemoryPressure::kLow;
    uint64_t weights_bytes = 0;
    uint64_t kv_bytes = 0;
    uint64_t activations_bytes = 0;
};

class ModelManager {
public:
    ModelManager(Catalog catalog, const ManagerConfig& config);
    ~ModelManager();  // unloads everything (waits for the loader)

    const Catalog& catalog() const { return catalog_; }
    const ManagerConfig& config() const { return config_; }
    ThreadPool& compute() { return *compute_; }

    using LeaseCallback = std::function<void(Result<Lease>)>;
    // Calls `done` with a lease on the model, loading it first if needed (on the loader thread).
    // Loads of the same model are shared; kNotFound for an unknown id.
    void acquire_async(const std::string& id, LeaseCallback done);
    // Blocking form.
    Result<Lease> acquire(const std::string& id);

    // Unloads a model now (even if pinned); kFailedPrecondition if it is in use.
    Status unload(const std::string& id);
    Status set_pinned(const std::string& id, bool pinned);
    // Unloads every idle model whose keep-alive has expired and drops cached KV blocks.
    void cleanup();
    // Sets how long `id` stays loaded after its last use (-1 never, 0 right away).
    void touch_keep_alive(const std::string& id, int64_t keep_alive_ms);

    std::vector<ModelStatus> status();
    MemoryStats memory();
    // Bytes a model would take if loaded (weights + KV + buffers), from its metadata.
    Result<uint64_t> estimate(const std::string& id);

private:
    friend class Lease;
    struct Slot;
    void release(const std::shared_ptr<LoadedModel>& loaded);
    void loader_main();
    void reaper_main();
    Result<std::shared_ptr<LoadedModel>> load(Slot& slot);
    Result<std::shared_ptr<LoadedModel>> load_speech(Slot& slot);
    uint64_t speech_estimate(const ModelEntry& entry) const;
    Status reserve_locked(std::unique_lock<std::mutex>& lock, Slot& slot, uint64_t estimate);
    engine::LlmEngineConfig engine_config(const ModelEntry& entry, const arch::LlmHParams& hp) const;
    uint64_t used_bytes_locked() const;
    bool evict_for_locked(uint64_t needed, const Slot* loading);
    Slot* slot_locked(std::string_view id);

    Catalog catalog_;
    ManagerConfig config_;
    std::unique_ptr<ThreadPool> compute_;

    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::unique_ptr<Slot>> slots_;
    std::vector<std::string> load_queue_;
    bool stop_ = false;
    std::thread loader_;
    std::thread reaper_;
};

}  // namespace hearth::manager
