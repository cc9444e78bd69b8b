#include "manager/model_manager.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <filesystem>
#include <future>

#include "base/log.h"

namespace hearth::manager {

using Clock = std::chrono::steady_clock;

namespace {

int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

uint64_t physical_memory_bytes() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page_size > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size) : 0;
}

std::string mib(uint64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / 1048576.0); }

}  // namespace

const char* residency_state_name(ResidencyState state) {
    switch (state) {
        case ResidencyState::kAvailable: return "available";
        case ResidencyState::kLoading: return "loading";
        case ResidencyState::kLoaded: return "loaded";
        case ResidencyState::kFailed: return "failed";
    }
    return "available";
}

const char* memory_pressure_name(MemoryPressure pressure) {
    switch (pressure) {
        case MemoryPressure::kLow: return "low";
        case MemoryPressure::kModerate: return "moderate";
        case MemoryPressure::kHigh: return "high";
        case MemoryPressure::kCritical: return "critical";
    }
    return "low";
}

MemoryPressure pressure_for(uint64_t used, uint64_t budget) {
    if (budget == 0) return MemoryPressure::kCritical;
    const double share = static_cast<double>(used) / static_cast<double>(budget);
    if (share < 0.50) return MemoryPressure::kLow;
    if (share < 0.75) return MemoryPressure::kModerate;
    if (share < 0.90) return MemoryPressure::kHigh;
    return MemoryPressure::kCritical;
}

struct ModelManager::Slot {
    const ModelEntry* entry = nullptr;
    ResidencyState state = ResidencyState::kAvailable;
    double progress = 0.0;
    std::string failure;
    std::shared_ptr<LoadedModel> loaded;
    int32_t leases = 0;
    bool pinned = false;
    int64_t keep_alive_ms = 0;
    Clock::time_point last_used = Clock::now();
    int64_t last_used_unix_ms = 0;
    uint64_t reserved = 0;  // estimate counted against the budget while loading
    std::vector<LeaseCallback> waiters;
};

// ---- Lease ------------------------------------------------------------------------------------

Lease::Lease(ModelManager* manager, std::shared_ptr<LoadedModel> loaded)
    : manager_(manager), loaded_(std::move(loaded)) {}

Lease::~Lease() { reset(); }

Lease::Lease(Lease&& other) noexcept
    : manager_(std::exchange(other.manager_, nullptr)), loaded_(std::move(other.loaded_)) {}

Lease& Lease::operator=(Lease&& other) noexcept {
    if (this != &other) {
        reset();
        manager_ = std::exchange(other.manager_, nullptr);
        loaded_ = std::move(other.loaded_);
    }
    return *this;
}

void Lease::reset() {
    if (manager_ && loaded_) manager_->release(loaded_);
    manager_ = nullptr;
    loaded_.reset();
}

// ---- ModelManager -----------------------------------------------------------------------------

ModelManager::ModelManager(Catalog catalog, const ManagerConfig& config)
    : catalog_(std::move(catalog)), config_(config) {
    if (config_.budget_bytes == 0)
        config_.budget_bytes = static_cast<uint64_t>(static_cast<double>(physical_memory_bytes()) * config_.budget_share);
    compute_ = std::make_unique<ThreadPool>(config_.n_threads > 0 ? config_.n_threads : default_thread_count());
    for (const ModelEntry& entry : catalog_.entries()) {
        auto slot = std::make_unique<Slot>();
        slot->entry = &entry;
        slot->pinned = entry.pinned;
        slot->keep_alive_ms = entry.keep_alive_ms.value_or(config_.keep_alive_ms);
        slots_.push_back(std::move(slot));
    }
    loader_ = std::thread([this] { loader_main(); });
    reaper_ = std::thread([this] { reaper_main(); });
}

ModelManager::~ModelManager() {
    std::vector<std::shared_ptr<LoadedModel>> unloading;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    loader_.join();
    reaper_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& slot : slots_) {
        for (auto& waiter : slot->waiters) waiter(Error::make(Errc::kUnavailable, "the server is shutting down"));
        slot->waiters.clear();
        slot->loaded.reset();
    }
}

ModelManager::Slot* ModelManager::slot_locked(std::string_view id) {
    for (auto& slot : slots_)
        if (slot->entry->id == id) return slot.get();
    return nullptr;
}

engine::LlmEngineConfig ModelManager::engine_config(const ModelEntry& entry, const arch::LlmHParams& hp) const {
    engine::LlmEngineConfig config;
    const int64_t wanted = entry.n_ctx > 0 ? entry.n_ctx : config_.n_ctx;
    config.n_ctx = static_cast<int32_t>(std::clamp<int64_t>(std::min<int64_t>(wanted, hp.n_ctx_train), 16, 1 << 20));
    config.n_parallel = entry.n_parallel > 0 ? entry.n_parallel : config_.n_parallel;
    config.kv_type = config_.kv_type;
    config.aging = config_.aging;
    return config;
}

void ModelManager::acquire_async(const std::string& id, LeaseCallback done) {
    std::unique_lock<std::mutex> lock(mutex_);
    Slot* slot = slot_locked(id);
    if (!slot) {
        lock.unlock();
        done(Error::make(Errc::kNotFound, "model '{}' does not exist", id));
        return;
    }
    if (slot->state == ResidencyState::kLoaded) {
        ++slot->leases;
        slot->last_used = Clock::now();
        slot->last_used_unix_ms = unix_ms_now();
        Lease lease(this, slot->loaded);
        lock.unlock();
        done(std::move(lease));
        return;
    }
    slot->waiters.push_back(std::move(done));
    if (slot->state != ResidencyState::kLoading) {
        slot->state = ResidencyState::kLoading;
        slot->progress = 0.0;
        slot->failure.clear();
        load_queue_.push_back(id);
        changed_.notify_all();
    }
}

Result<Lease> ModelManager::acquire(const std::string& id) {
    std::promise<Result<Lease>> promise;
    auto future = promise.get_future();
    acquire_async(id, [&promise](Result<Lease> lease) { promise.set_value(std::move(lease)); });
    return future.get();
}

void ModelManager::release(const std::shared_ptr<LoadedModel>& loaded) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& slot : slots_) {
            if (slot->loaded != loaded) continue;
            --slot->leases;
            slot->last_used = Clock::now();
            slot->last_used_unix_ms = unix_ms_now();
        }
    }
    // Unloading happens on the reaper thread (a lease may be released on an engine's own thread).
    changed_.notify_all();
}

uint64_t ModelManager::used_bytes_locked() const {
    uint64_t used = 0;
    for (const auto& slot : slots_) used += slot->loaded ? slot->loaded->bytes() : slot->reserved;
    return used;
}

// Evicts idle models, least recently used first, until `needed` more bytes fit the budget.
bool ModelManager::evict_for_locked(uint64_t needed, const Slot* loading) {
    while (used_bytes_locked() + needed > config_.budget_bytes) {
        Slot* victim = nullptr;
        for (auto& slot : slots_) {
            if (slot.get() == loading || !slot->loaded || slot->leases > 0 || slot->pinned) continue;
            if (!slot->loaded->idle()) continue;
            if (!victim || slot->last_used < victim->last_used) victim = slot.get();
        }
        if (!victim) return false;
        log::info("evicting model '{}' ({}) to make room", victim->entry->id, mib(victim->loaded->bytes()));
        victim->loaded.reset();  // the engine is idle: its destructor returns promptly
        victim->state = ResidencyState::kAvailable;
    }
    return true;
}

// Waits until `estimate` bytes fit beside the resident models (evicting idle ones), then counts
// them against the budget for `slot`.
Status ModelManager::reserve_locked(std::unique_lock<std::mutex>& lock, Slot& slot, uint64_t estimate) {
    const ModelEntry& entry = *slot.entry;
    if (estimate > config_.budget_bytes)
        return Error::make(Errc::kResourceExhausted, "model '{}' needs {}, more than the whole memory budget ({})",
                           entry.id, mib(estimate), mib(config_.budget_bytes));
    // Models in use free their room when their requests finish: wait for that (the requests
    // for this model wait in the queue meanwhile). Pinned models never make room.
    bool announced = false;
    while (!evict_for_locked(estimate, &slot)) {
        uint64_t pinned = 0;
        for (const auto& other : slots_)
            if (other->loaded && other->pinned) pinned += other->loaded->bytes();
        if (estimate + pinned > config_.budget_bytes)
            return Error::make(Errc::kResourceExhausted,
                               "model '{}' needs {}; pinned models hold {} of the {} budget", entry.id,
                               mib(estimate), mib(pinned), mib(config_.budget_bytes));
        if (!announced) {
            log::info("model '{}' ({}) waits for models in use to free room", entry.id, mib(estimate));
            announced = true;
        }
        changed_.wait_for(lock, std::chrono::milliseconds(10));
        if (stop_) return Error::make(Errc::kUnavailable, "the server is shutting down");
    }
    slot.reserved = estimate;
    return {};
}

uint64_t ModelManager::speech_estimate(const ModelEntry& entry) const {
    if (entry.kind == "stt")
        return engine::speech::SttEngine::model_bytes(entry.path) * static_cast<uint64_t>(std::max(1, config_.stt_decoders));
    // espeak-ng keeps one language's dictionary and the phoneme tables: bounded by its data folder.
    uint64_t total = 0;
    std::error_code error;
    for (const auto& item : std::filesystem::recursive_directory_iterator(entry.path, error))
        if (item.is_regular_file(error)) total += item.file_size(error);
    return total;
}

Result<std::shared_ptr<LoadedModel>> ModelManager::load_speech(Slot& slot) {
    const ModelEntry& entry = *slot.entry;
    const auto start = Clock::now();
    const uint64_t estimate = speech_estimate(entry);
    {
        std::unique_lock<std::mutex> lock(mutex_);
        HEARTH_TRY(reserve_locked(lock, slot, estimate));
    }
    auto loaded = std::make_shared<LoadedModel>();
    loaded->entry = &entry;
    loaded->weight_bytes = estimate;
    if (entry.kind == "tts") {
        engine::speech::TtsConfig config;
        config.data_dir = entry.path;
        HEARTH_ASSIGN_OR_RETURN(loaded->tts, engine::speech::TtsEngine::create(config));
    } else {
        engine::speech::SttConfig config;
        config.model_dir = entry.path;
        config.n_decoders = std::max(1, config_.stt_decoders);
        config.batch_window_ms = std::max(0, config_.stt_batch_window_ms);
        HEARTH_ASSIGN_OR_RETURN(loaded->stt, engine::speech::SttEngine::create(config));
    }
    log::info("loaded {} model '{}' in {:.2f} s ({})", entry.kind, entry.id,
              std::chrono::duration<double>(Clock::now() - start).count(), mib(estimate));
    return loaded;
}

Result<std::shared_ptr<LoadedModel>> ModelManager::load(Slot& slot) {
    const ModelEntry& entry = *slot.entry;
    if (entry.kind != "llm") return load_speech(slot);
    const auto start = Clock::now();
    HEARTH_ASSIGN_OR_RETURN(std::unique_ptr<arch::LlmModel> model, arch::LlmModel::load(entry.path));
    const engine::LlmEngineConfig engine_config = this->engine_config(entry, model->hparams());
    const uint64_t weights = model->file().tensor_bytes();
    const uint64_t estimate = weights + engine::LlmEngine::estimate_bytes(model->hparams(), engine_config);
    {
        std::unique_lock<std::mutex> lock(mutex_);
        HEARTH_TRY(reserve_locked(lock, slot, estimate));
    }
    auto loaded = std::make_shared<LoadedModel>();
    loaded->entry = &entry;
    loaded->weight_bytes = weights;
    // Fault the weights in now, tensor by tensor, so the first request does not pay for it and
    // the resident size matches the account.
    const gguf::File& file = model->file();
    uint64_t done = 0;
    for (const gguf::TensorInfo& tensor : file.tensors()) {
        file.mapping()->prefault(file.data_offset() + tensor.offset, tensor.n_bytes);
        done += tensor.n_bytes;
        std::lock_guard<std::mutex> lock(mutex_);
        slot.progress = weights ? static_cast<double>(done) / static_cast<double>(weights) : 1.0;
    }
    loaded->model = std::move(model);
    loaded->engine = std::make_unique<engine::LlmEngine>(*loaded->model, *compute_, engine_config);
    loaded->kv_bytes = loaded->engine->kv_bytes();
    loaded->scratch_bytes = loaded->engine->scratch_bytes();
    log::info("loaded model '{}' in {:.2f} s: weights {}, KV cache {} ({} x {} tokens), buffers {}", entry.id,
              std::chrono::duration<double>(Clock::now() - start).count(), mib(weights), mib(loaded->kv_bytes),
              engine_config.n_parallel, engine_config.n_ctx, mib(loaded->scratch_bytes));
    return loaded;
}

void ModelManager::loader_main() {
    for (;;) {
        std::string id;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            changed_.wait(lock, [this] { return stop_ || !load_queue_.empty(); });
            if (stop_) return;
            id = load_queue_.front();
            load_queue_.erase(load_queue_.begin());
        }
        Slot* slot;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            slot = slot_locked(id);
        }
        auto loaded = load(*slot);
        std::vector<LeaseCallback> waiters;
        std::vector<Lease> leases;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            slot->reserved = 0;
            if (loaded.ok()) {
                slot->loaded = std::move(loaded).value();
                slot->state = ResidencyState::kLoaded;
                slot->progress = 1.0;
                slot->last_used = Clock::now();
                slot->last_used_unix_ms = unix_ms_now();
                for (size_t idx = 0; idx < slot->waiters.size(); ++idx) {
                    ++slot->leases;
                    leases.emplace_back(this, slot->loaded);
                }
            } else {
                slot->state = ResidencyState::kFailed;
                slot->failure = loaded.error().message;
                log::error("loading model '{}' failed: {}", id, slot->failure);
            }
            waiters.swap(slot->waiters);
        }
        for (size_t idx = 0; idx < waiters.size(); ++idx) {
            if (loaded.ok()) waiters[idx](std::move(leases[idx]));
            else waiters[idx](loaded.error());
        }
    }
}

void ModelManager::reaper_main() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        changed_.wait_for(lock, std::chrono::seconds(1));
        if (stop_) return;
        const auto now = Clock::now();
        std::vector<std::shared_ptr<LoadedModel>> unloading;
        for (auto& slot : slots_) {
            if (!slot->loaded || slot->leases > 0 || slot->pinned || slot->keep_alive_ms < 0) continue;
            if (now - slot->last_used < std::chrono::milliseconds(slot->keep_alive_ms)) continue;
            if (!slot->loaded->idle()) continue;
            log::info("unloading idle model '{}' (keep-alive {} ms)", slot->entry->id, slot->keep_alive_ms);
            unloading.push_back(std::move(slot->loaded));
            slot->state = ResidencyState::kAvailable;
        }
        lock.unlock();
        unloading.clear();  // engines are destroyed outside the lock
        lock.lock();
    }
}

Status ModelManager::unload(const std::string& id) {
    std::shared_ptr<LoadedModel> unloading;
    // A request's lease goes before its engine has swept it (the client may have seen its last
    // event a moment earlier): with no lease left, give the engine's loop up to ~1 s to go idle.
    for (int attempt = 0;; ++attempt) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            Slot* slot = slot_locked(id);
            if (!slot) return Error::make(Errc::kNotFound, "model '{}' does not exist", id);
            if (!slot->loaded) return {};
            const bool idle = slot->loaded->idle();
            if (slot->leases > 0 || (!idle && attempt >= 100))
                return Error::make(Errc::kFailedPrecondition, "model '{}' is in use", id);
            if (idle) {
                unloading = std::move(slot->loaded);
                slot->state = ResidencyState::kAvailable;
                break;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    log::info("unloaded model '{}'", id);
    return {};
}

Status ModelManager::set_pinned(const std::string& id, bool pinned) {
    std::lock_guard<std::mutex> lock(mutex_);
    Slot* slot = slot_locked(id);
    if (!slot) return Error::make(Errc::kNotFound, "model '{}' does not exist", id);
    slot->pinned = pinned;
    return {};
}

void ModelManager::touch_keep_alive(const std::string& id, int64_t keep_alive_ms) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (Slot* slot = slot_locked(id)) slot->keep_alive_ms = keep_alive_ms;
    }
    changed_.notify_all();
}

void ModelManager::cleanup() {
    std::vector<std::shared_ptr<LoadedModel>> unloading;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& slot : slots_) {
            if (!slot->loaded) continue;
            if (slot->loaded->engine) slot->loaded->engine->release_cached_blocks();
            const bool expired = slot->keep_alive_ms >= 0 &&
                                 Clock::now() - slot->last_used >= std::chrono::milliseconds(slot->keep_alive_ms);
            if (expired && slot->leases == 0 && !slot->pinned && slot->loaded->idle()) {
                unloading.push_back(std::move(slot->loaded));
                slot->state = ResidencyState::kAvailable;
            }
        }
    }
}

std::vector<ModelStatus> ModelManager::status() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<ModelStatus> out;
    for (const auto& slot : slots_) {
        ModelStatus status;
        status.entry = slot->entry;
        status.state = slot->state;
        status.progress = slot->progress;
        status.failure = slot->failure;
        status.bytes = slot->loaded ? slot->loaded->bytes() : slot->reserved;
        status.last_used_unix_ms = slot->last_used_unix_ms;
        status.leases = slot->leases;
        status.pinned = slot->pinned;
        if (slot->loaded && slot->loaded->engine) {
            status.n_ctx = slot->loaded->engine->config().n_ctx;
            const engine::EngineStats engine = slot->loaded->engine->stats();
            status.kv_blocks_total = engine.kv_blocks_total;
            status.kv_blocks_in_use = engine.kv_blocks_in_use;
            status.kv_blocks_cached = engine.kv_blocks_cached;
        }
        out.push_back(std::move(status));
    }
    return out;
}

MemoryStats ModelManager::memory() {
    std::lock_guard<std::mutex> lock(mutex_);
    MemoryStats stats;
    stats.budget_bytes = config_.budget_bytes;
    for (const auto& slot : slots_) {
        if (!slot->loaded) continue;
        stats.weights_bytes += slot->loaded->weight_bytes;
        stats.kv_bytes += slot->loaded->kv_bytes;
        stats.activations_bytes += slot->loaded->scratch_bytes;
    }
    stats.used_bytes = used_bytes_locked();
    stats.pressure = pressure_for(stats.used_bytes, stats.budget_bytes);
    return stats;
}

Result<uint64_t> ModelManager::estimate(const std::string& id) {
    const ModelEntry* entry = catalog_.find(id);
    if (!entry) return Error::make(Errc::kNotFound, "model '{}' does not exist", id);
    if (entry->kind != "llm") return speech_estimate(*entry);
    HEARTH_ASSIGN_OR_RETURN(std::unique_ptr<arch::LlmModel> model, arch::LlmModel::load(entry->path));
    return model->file().tensor_bytes() +
           engine::LlmEngine::estimate_bytes(model->hparams(), engine_config(*entry, model->hparams()));
}

}  // namespace hearth::manager
