#include "engine/speech/tts_engine.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "base/log.h"
#include "engine/speech/tts_helper_protocol.h"

extern char** environ;

namespace hearth::engine::speech {

namespace {

std::string lower(std::string text) {
    for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return text;
}

std::string beside_this_program(const char* name) {
    std::error_code error;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) return name;
    return (self.parent_path() / name).string();
}

}  // namespace

struct TtsEngine::Job {
    const SpeechParams* params = nullptr;
    std::string voice;
    const SampleSink* sink = nullptr;
    bool stopped = false;
    std::promise<Status> done;
};

Result<std::unique_ptr<TtsEngine>> TtsEngine::create(TtsConfig config) {
    std::unique_ptr<TtsEngine> engine(new TtsEngine(std::move(config)));
    HEARTH_TRY(engine->start_helper());
    if (auto voice = engine->resolve_voice(engine->config_.default_voice); !voice.ok()) return voice.error();
    engine->owner_ = std::thread([raw = engine.get()] { raw->owner_main(); });
    return engine;
}

TtsEngine::TtsEngine(TtsConfig config)
    : config_(std::move(config)),
      helper_path_(config_.helper_path.empty() ? beside_this_program("hearth-espeak") : config_.helper_path),
      queue_(std::chrono::milliseconds(config_.aging_ms)) {}

TtsEngine::~TtsEngine() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (owner_.joinable()) owner_.join();
    stop_helper();
}

Status TtsEngine::start_helper() {
    if (::access(helper_path_.c_str(), X_OK) != 0)
        // A broken installation, not a missing thing the caller named: a 500, not a 404.
        return Error::make(Errc::kInternal, "the text-to-speech helper '{}' is missing (it is built with hearth)",
                           helper_path_);
    int sockets[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0)
        return Error::make(Errc::kIo, "could not create the text-to-speech helper's socket: {}", std::strerror(errno));
    // Room for the largest message whatever the system's default socket buffer (capped by
    // net.core.wmem_max, 208 KiB by default).
    for (int end : sockets) {
        const int bytes = static_cast<int>(2 * helper::kMaxMessageBytes);
        ::setsockopt(end, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
    }
    // The helper's end becomes its fd 3; every other descriptor of this process stays closed to it.
    int child_end = sockets[1];
    if (child_end == 3) {
        child_end = ::fcntl(sockets[1], F_DUPFD_CLOEXEC, 4);
        ::close(sockets[1]);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, child_end, 3);
    posix_spawn_file_actions_addclosefrom_np(&actions, 4);
    const std::string data_parent =
        config_.data_dir.empty() ? "" : std::filesystem::path(config_.data_dir).parent_path().string();
    std::string program = helper_path_;
    char* argv[] = {program.data(), const_cast<char*>(data_parent.c_str()), nullptr};
    pid_t pid = -1;
    const int spawned = ::posix_spawn(&pid, helper_path_.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(child_end);
    if (spawned != 0) {
        ::close(sockets[0]);
        return Error::make(Errc::kIo, "could not start the text-to-speech helper '{}': {}", helper_path_,
                           std::strerror(spawned));
    }
    helper_socket_ = sockets[0];
    helper_pid_ = pid;
    std::vector<Voice> voices;
    std::map<std::string, std::string> languages, variants;
    for (;;) {
        helper::Message type;
        std::string payload;
        if (!helper::recv_message(helper_socket_, type, payload)) {
            stop_helper();
            return Error::make(Errc::kInternal, "the text-to-speech helper '{}' stopped while starting", helper_path_);
        }
        if (type == helper::Message::kReady) break;
        if (type == helper::Message::kFailed) {
            stop_helper();
            return Error::make(Errc::kInternal, "{}", payload);
        }
        if (type != helper::Message::kVoice) continue;
        auto fields = helper::split_fields(payload, 6);
        if (fields.size() != 6) continue;
        Voice voice{fields[0], fields[1], fields[2], fields[3], fields[5] == "1"};
        (voice.variant ? variants : languages)[voice.variant ? fields[4] : voice.id] = fields[4];
        voices.push_back(std::move(voice));
    }
    if (voices_.empty()) {   // the first start; a restarted helper lists the same voices
        std::stable_sort(voices.begin(), voices.end(), [](const Voice& a, const Voice& b) {
            return a.variant != b.variant ? !a.variant : a.id < b.id;
        });
        voices_ = std::move(voices);
        languages_ = std::move(languages);
        variants_ = std::move(variants);
    }
    return {};
}

void TtsEngine::stop_helper() {
    if (helper_socket_ >= 0) ::close(helper_socket_);   // the helper exits when its socket closes
    helper_socket_ = -1;
    if (helper_pid_ > 0) {
        int status = 0;
        ::waitpid(helper_pid_, &status, 0);
    }
    helper_pid_ = -1;
}

void TtsEngine::owner_main() {
    for (;;) {
        Job* job;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
            if (queue_.empty()) break;
            job = queue_.pop();
        }
        job->done.set_value(run_job(*job));
    }
}

Status TtsEngine::run_job(Job& job) {
    if (helper_socket_ < 0) HEARTH_TRY(start_helper());
    const SpeechParams& params = *job.params;
    const int wpm = static_cast<int>(std::lround(config_.words_per_minute * params.speed));
    const std::string rate = std::to_string(wpm), pitch = std::to_string(std::clamp(params.pitch, 0, 100));
    auto helper_lost = [this] {
        stop_helper();
        return Error::make(Errc::kInternal, "the text-to-speech helper stopped; the next request starts a new one");
    };
    if (!helper::send_message(helper_socket_, helper::Message::kSynth,
                              helper::join_fields({job.voice, rate, pitch, params.text})))
        return helper_lost();
    std::vector<int16_t> samples;
    std::string payload;   // one buffer for every message of the synthesis
    for (;;) {
        helper::Message type;
        if (!helper::recv_message(helper_socket_, type, payload)) return helper_lost();
        if (type == helper::Message::kSamples) {
            if (job.stopped) continue;   // cancelled: drain until the helper says done
            samples.resize(payload.size() / sizeof(int16_t));
            std::memcpy(samples.data(), payload.data(), samples.size() * sizeof(int16_t));
            if (!samples.empty() && !(*job.sink)(samples.data(), samples.size())) {
                job.stopped = true;
                if (!helper::send_message(helper_socket_, helper::Message::kCancel)) return helper_lost();
            }
            continue;
        }
        if (type != helper::Message::kDone || payload.size() != sizeof(uint32_t)) continue;
        uint32_t raw = 0;
        std::memcpy(&raw, payload.data(), sizeof raw);
        switch (static_cast<helper::SynthOutcome>(raw)) {
            case helper::SynthOutcome::kOk:
                return job.stopped ? Status(Error::make(Errc::kCancelled, "synthesis stopped")) : Status{};
            case helper::SynthOutcome::kCancelled: return Error::make(Errc::kCancelled, "synthesis stopped");
            case helper::SynthOutcome::kVoiceFailed:
                return Error::make(Errc::kInvalidArgument, "the voice '{}' could not be loaded", job.voice);
            case helper::SynthOutcome::kSynthFailed: return Error::make(Errc::kInternal, "espeak-ng failed to synthesize");
            case helper::SynthOutcome::kCrashed: return Error::make(Errc::kInternal, "espeak-ng crashed on this text");
        }
        return Error::make(Errc::kInternal, "the text-to-speech helper answered {}", raw);
    }
}

Result<std::string> TtsEngine::resolve_voice(const std::string& requested) const {
    const std::string voice = lower(requested.empty() ? config_.default_voice : requested);
    const auto plus = voice.find('+');
    const std::string language = voice.substr(0, plus);
    const std::string variant = plus == std::string::npos ? "" : voice.substr(plus + 1);
    if (!languages_.count(language))
        return Error::make(Errc::kInvalidArgument,
                           "unknown voice '{}': no installed language '{}' (GET /v1/audio/voices lists them)", requested,
                           language);
    if (plus != std::string::npos && !variants_.count(variant))
        return Error::make(Errc::kInvalidArgument,
                           "unknown voice '{}': no installed variant '{}' (GET /v1/audio/voices lists them)", requested,
                           variant);
    return languages_.at(language) + (variant.empty() ? "" : "+" + variants_.at(variant));
}

Status TtsEngine::synthesize(const SpeechParams& params, const SampleSink& sink) {
    HEARTH_ASSIGN_OR_RETURN(std::string voice, resolve_voice(params.voice));
    if (params.text.empty()) return Error::make(Errc::kInvalidArgument, "the input text is empty");
    if (params.text.size() > helper::kMaxTextBytes)
        return Error::make(Errc::kInvalidArgument, "the input text is longer than {} bytes", helper::kMaxTextBytes);
    if (!(params.speed >= 0.25 && params.speed <= 4.0))
        return Error::make(Errc::kInvalidArgument, "speed must be between 0.25 and 4.0");
    Job job;
    job.params = &params;
    job.voice = std::move(voice);
    job.sink = &sink;
    auto future = job.done.get_future();
    busy_.fetch_add(1);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_) {
            busy_.fetch_sub(1);
            return Error::make(Errc::kUnavailable, "the text-to-speech engine is stopping");
        }
        queue_.push(&job, params.priority);
    }
    wake_.notify_one();
    Status status = future.get();
    busy_.fetch_sub(1);
    return status;
}

Result<std::vector<int16_t>> TtsEngine::synthesize_all(const SpeechParams& params) {
    std::vector<int16_t> samples;
    HEARTH_TRY(synthesize(params, [&samples](const int16_t* data, size_t count) {
        samples.insert(samples.end(), data, data + count);
        return true;
    }));
    return samples;
}

std::vector<int64_t> TtsEngine::waiting() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.waiting();
}

}  // namespace hearth::engine::speech
