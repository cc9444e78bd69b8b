// The messages between TtsEngine and its helper process (apps/hearth-espeak), over one
// SOCK_SEQPACKET socket: every message arrives whole or not at all, so a synthesis killed mid-write
// never leaves half a message behind. A message is a 4-byte type followed by its payload; fields
// inside a payload are separated by '\0'.
//
// Helper -> engine at start-up: kVoice per voice, then kReady (or kFailed with a reason).
// Engine -> helper: kSynth "identifier\0rate\0pitch\0text"; kCancel stops the synthesis running.
// Helper -> engine per synthesis: kSamples (16-bit mono samples at 22,050 Hz) as they come, then
// kDone with a SynthOutcome.
//
// Threads: plain functions; one reader and one writer per socket end at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::engine::speech::helper {

enum class Message : uint32_t { kVoice = 1, kReady, kFailed, kSynth, kCancel, kSamples, kDone };

enum class SynthOutcome : uint32_t { kOk = 0, kVoiceFailed, kSynthFailed, kCrashed, kCancelled };

// The largest message either side sends (kSynth carries the text).
constexpr size_t kMaxMessageBytes = 128 * 1024;
constexpr size_t kMaxTextBytes = kMaxMessageBytes - 1024;

// False when the peer is gone (or the message is over kMaxMessageBytes).
bool send_message(int fd, Message type, std::string_view payload = {});
// False at end of stream or on a malformed message.
bool recv_message(int fd, Message& type, std::string& payload);

std::string join_fields(const std::vector<std::string_view>& fields);
// Exactly `count` fields, the last taking the rest (it may contain '\0'); empty when fewer.
std::vector<std::string> split_fields(std::string_view payload, size_t count);

}  // namespace hearth::engine::speech::helper
