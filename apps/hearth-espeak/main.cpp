// hearth-espeak: the process that runs espeak-ng for TtsEngine (engine/speech/tts_engine.h).
//
// espeak-ng keeps synthesizer state in globals that carry from one text to the next (the flutter
// phase, filter memories, the noise generator), so one process speaking the same text twice gives
// different samples. This helper initializes espeak-ng once and then forks a child for every
// synthesis: each child starts from the same pristine state, so the same request always gives the
// same samples, whatever was spoken before or beside it, and a crash inside espeak-ng ends only
// that child (the engine gets an error, the server keeps serving).
//
// Usage: hearth-espeak [DATA_PARENT_DIR] with the engine's SOCK_SEQPACKET socket as fd 3; the
// messages are in engine/speech/tts_helper_protocol.h. The helper exits when the engine closes the
// socket, which the kernel does for it when the engine's process dies. (Not PR_SET_PDEATHSIG: that
// fires when the spawning *thread* ends, and the thread that starts a helper may be short-lived.)
#include <espeak-ng/speak_lib.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>
#include <string>

#include "engine/speech/tts_helper_protocol.h"

namespace {

using hearth::engine::speech::helper::join_fields;
using hearth::engine::speech::helper::Message;
using hearth::engine::speech::helper::recv_message;
using hearth::engine::speech::helper::send_message;
using hearth::engine::speech::helper::split_fields;
using hearth::engine::speech::helper::SynthOutcome;

constexpr int kSocket = 3;
constexpr int kSampleRate = 22050;
// A child's exit codes.
constexpr int kExitOk = 0, kExitVoiceFailed = 10, kExitSynthFailed = 11, kExitEngineGone = 12;

std::string lower(std::string text) {
    for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return text;
}

const char* gender_name(int gender) { return gender == 1 ? "male" : gender == 2 ? "female" : ""; }

// kVoice fields: id, name, language, gender, espeak-ng identifier, "1" for a variant.
void send_voices() {
    std::set<std::string> seen;
    if (const espeak_VOICE** list = espeak_ListVoices(nullptr)) {
        for (; *list; ++list) {
            const espeak_VOICE* voice = *list;
            if (!voice->languages || !voice->languages[0] || !voice->identifier) continue;
            const std::string language = lower(voice->languages + 1);   // a priority byte, then the tag
            if (!seen.insert(language).second) continue;
            send_message(kSocket, Message::kVoice,
                         join_fields({language, voice->name ? voice->name : language, language,
                                      gender_name(voice->gender), voice->identifier, "0"}));
        }
    }
    espeak_VOICE spec{};
    spec.languages = "variant";
    if (const espeak_VOICE** list = espeak_ListVoices(&spec)) {
        for (; *list; ++list) {
            const espeak_VOICE* voice = *list;
            if (!voice->identifier) continue;
            std::string name = voice->identifier;
            if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
            if (name.empty() || !seen.insert("+" + name).second) continue;
            send_message(kSocket, Message::kVoice,
                         join_fields({"+" + name, voice->name ? voice->name : name, "", gender_name(voice->gender),
                                      name, "1"}));
        }
    }
}

int on_samples(short* wav, int count, espeak_EVENT*) {
    if (wav && count > 0 &&
        !send_message(kSocket, Message::kSamples,
                      std::string_view(reinterpret_cast<const char*>(wav), static_cast<size_t>(count) * sizeof(short))))
        _exit(kExitEngineGone);
    return 0;
}

// In the child: speak one text and exit.
[[noreturn]] void synthesize(const std::string& voice, int rate, int pitch, const std::string& text) {
    if (espeak_SetVoiceByName(voice.c_str()) != EE_OK) _exit(kExitVoiceFailed);
    espeak_SetParameter(espeakRATE, std::clamp(rate, espeakRATE_MINIMUM, espeakRATE_MAXIMUM), 0);
    espeak_SetParameter(espeakPITCH, std::clamp(pitch, 0, 100), 0);
    const espeak_ERROR error =
        espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr, nullptr);
    _exit(error == EE_OK ? kExitOk : kExitSynthFailed);
}

// In the parent: wait for the child, killing it on kCancel. False when the engine went away.
bool wait_child(pid_t child, int& status, bool& cancelled) {
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
    for (;;) {
        pollfd fds[2] = {{kSocket, POLLIN, 0}, {pidfd, POLLIN, 0}};
        // Without pidfd (old kernels) the child is polled every 5 ms.
        const int ready = pidfd >= 0 ? poll(fds, 2, -1) : poll(fds, 1, 5);
        if (ready < 0 && errno != EINTR) break;
        if (pidfd >= 0 ? (fds[1].revents & POLLIN) != 0 : waitpid(child, &status, WNOHANG) == child) {
            if (pidfd >= 0) {
                waitpid(child, &status, 0);
                close(pidfd);
            }
            return true;
        }
        if (fds[0].revents == 0) continue;
        Message type;
        std::string payload;
        if (!recv_message(kSocket, type, payload)) break;
        if (type == Message::kCancel && !cancelled) {
            cancelled = true;
            kill(child, SIGKILL);
        }
    }
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    if (pidfd >= 0) close(pidfd);
    return false;
}

SynthOutcome outcome_of(int status, bool cancelled) {
    if (cancelled) return SynthOutcome::kCancelled;
    if (!WIFEXITED(status)) return SynthOutcome::kCrashed;
    switch (WEXITSTATUS(status)) {
        case kExitOk: return SynthOutcome::kOk;
        case kExitVoiceFailed: return SynthOutcome::kVoiceFailed;
        case kExitSynthFailed: return SynthOutcome::kSynthFailed;
        default: return SynthOutcome::kCrashed;
    }
}

void send_done(SynthOutcome outcome) {
    const auto raw = static_cast<uint32_t>(outcome);
    send_message(kSocket, Message::kDone, std::string_view(reinterpret_cast<const char*>(&raw), sizeof raw));
}

}  // namespace

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    const char* data = argc > 1 && argv[1][0] ? argv[1] : nullptr;
    const int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 200, data, 0);
    if (rate != kSampleRate) {
        send_message(kSocket, Message::kFailed,
                     std::string("espeak-ng could not start (data folder '") + (data ? data : "default") + "', rate " +
                         std::to_string(rate) + ")");
        _exit(1);
    }
    espeak_SetSynthCallback(on_samples);
    send_voices();
    send_message(kSocket, Message::kReady);
    for (;;) {
        Message type;
        std::string payload;
        if (!recv_message(kSocket, type, payload)) break;
        if (type != Message::kSynth) continue;   // a kCancel that came after its synthesis ended
        const auto fields = split_fields(payload, 4);
        if (fields.size() != 4) {
            send_done(SynthOutcome::kSynthFailed);
            continue;
        }
        const pid_t child = fork();
        if (child == 0) synthesize(fields[0], std::atoi(fields[1].c_str()), std::atoi(fields[2].c_str()), fields[3]);
        if (child < 0) {
            send_done(SynthOutcome::kSynthFailed);
            continue;
        }
        int status = 0;
        bool cancelled = false;
        if (!wait_child(child, status, cancelled)) break;
        send_done(outcome_of(status, cancelled));
    }
    _exit(0);   // no exit-time handlers: nothing to flush, and espeak-ng's allocations go with the process
}
