// The audio endpoints on the real `hearth serve` (built-in speech models only), over sockets:
// speech in every format, a transcription round trip in every response format, and bad input
// (each answered 400, after which the server still serves).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <regex>
#include <sstream>
#include <thread>

#include "engine/speech/audio.h"
#include "engine/speech/audio_encoder.h"
#include "tests/server/http_client.h"

extern char** environ;

namespace hearth {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class SpeechServer {
public:
    SpeechServer() {
        log_path_ = std::string(HEARTH_BINARY_DIR) + "/speech_serve_test.log";
        std::remove(log_path_.c_str());   // a stale log would name an old port
        const std::string command = "exec " + std::string(HEARTH_BINARY_DIR) +
                                    "/bin/hearth serve --port 0 --builtin-model '' --max-audio-seconds 30 > " +
                                    log_path_ + " 2>&1";
        const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
        if (posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) pid_ = -1;
        const std::regex listening(R"(listening on http://[0-9.]+:(\d+))");
        for (int idx = 0; idx < 600 && pid_ > 0; ++idx) {
            std::ifstream in(log_path_);
            std::stringstream text;
            text << in.rdbuf();
            const std::string log = text.str();
            std::smatch match;
            if (std::regex_search(log, match, listening)) {
                port = static_cast<uint16_t>(std::stoi(match[1]));
                return;
            }
            std::this_thread::sleep_for(50ms);
        }
    }
    ~SpeechServer() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    uint16_t port = 0;

private:
    pid_t pid_ = -1;
    std::string log_path_;
};

SpeechServer& server() {
    static SpeechServer instance;
    return instance;
}

test::HttpResult speak(const json& body) {
    return test::http_request(server().port, "POST", "/v1/audio/speech", body.dump(),
                              {{"Content-Type", "application/json"}});
}

test::HttpResult transcribe(const std::vector<std::pair<std::string, std::string>>& fields,
                            const std::optional<std::string>& file, const std::string& filename = "audio.wav") {
    const std::string boundary = "hearthBoundary7MA4YWxk";
    std::string body;
    for (const auto& [name, value] : fields)
        body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    if (file)
        body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
                "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + *file + "\r\n";
    body += "--" + boundary + "--\r\n";
    return test::http_request(server().port, "POST", "/v1/audio/transcriptions", body,
                              {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
}

void expect_still_serving() {
    EXPECT_EQ(test::http_request(server().port, "GET", "/health").status, 200);
    auto again = speak({{"input", "Still here."}, {"response_format", "pcm"}});
    EXPECT_EQ(again.status, 200);
    EXPECT_GT(again.body.size(), 1000u);
}

TEST(SpeechServe, ModelsAndVoicesAreListed) {
    ASSERT_NE(server().port, 0);
    json models = json::parse(test::http_request(server().port, "GET", "/v1/models").body);
    std::map<std::string, std::string> kinds;
    for (const json& model : models["data"]) kinds[model["id"]] = model["kind"];
    EXPECT_EQ(kinds["espeak"], "tts");
    EXPECT_EQ(kinds["pocketsphinx-en-us"], "stt");
    auto voices = test::http_request(server().port, "GET", "/v1/audio/voices");
    ASSERT_EQ(voices.status, 200) << voices.body;
    std::set<std::string> ids;
    const json voice_list = json::parse(voices.body);
    for (const json& voice : voice_list["data"]) ids.insert(voice["id"].get<std::string>());
    EXPECT_EQ(ids.count("en-us"), 1u) << voices.body.substr(0, 300);
    EXPECT_EQ(ids.count("+klatt"), 1u);
    EXPECT_EQ(ids.count("de"), 1u);
}

TEST(SpeechServe, EveryFormatDecodesBack) {
    ASSERT_NE(server().port, 0);
    const std::string text = "Hearth speaks every format the same length.";
    auto wav = speak({{"input", text}, {"response_format", "wav"}});
    ASSERT_EQ(wav.status, 200) << wav.body;
    EXPECT_EQ(wav.headers["transfer-encoding"], "chunked");
    EXPECT_EQ(wav.headers["content-type"], "audio/wav");
    auto reference = engine::speech::decode_audio(wav.body, 600);
    ASSERT_TRUE(reference.ok()) << reference.error().message;
    EXPECT_EQ(reference->sample_rate, 22050);
    EXPECT_GT(reference->seconds(), 1.0);
    for (const char* format : {"flac", "mp3", "opus"}) {
        auto response = speak({{"input", text}, {"response_format", format}});
        ASSERT_EQ(response.status, 200) << format << ": " << response.body;
        auto decoded = engine::speech::decode_audio(response.body, 600);
        ASSERT_TRUE(decoded.ok()) << format << ": " << decoded.error().message;
        EXPECT_EQ(decoded->sample_rate, std::string(format) == "opus" ? 48000 : 22050) << format;
        EXPECT_NEAR(decoded->seconds(), reference->seconds(), std::string(format) == "flac" ? 1e-6 : 0.08) << format;
    }
    auto pcm = speak({{"input", text}, {"response_format", "pcm"}});
    ASSERT_EQ(pcm.status, 200);
    EXPECT_EQ(static_cast<int64_t>(pcm.body.size()), reference->frames() * 2);
}

// Concurrent clients get exactly the bytes they get one at a time: the speech engine serializes
// synthesis and every synthesis starts from espeak-ng's pristine state.
TEST(SpeechServe, ParallelSpeechEqualsSequentialSpeech) {
    ASSERT_NE(server().port, 0);
    const std::vector<json> requests = {
        {{"input", "The meeting starts in ten minutes."}, {"response_format", "pcm"}},
        {{"input", "Please call me when you get home."}, {"voice", "en-gb+f3"}, {"speed", 1.5}, {"response_format", "pcm"}},
        {{"input", "Guten Morgen."}, {"voice", "de"}, {"response_format", "wav"}},
        {{"input", "The red car is parked outside."}, {"voice", "en-us+klatt2"}, {"pitch", 20}, {"response_format", "flac"}},
    };
    std::vector<std::string> sequential;
    for (const json& request : requests) {
        auto response = speak(request);
        ASSERT_EQ(response.status, 200) << response.body;
        sequential.push_back(response.body);
    }
    constexpr size_t kRounds = 3;
    std::vector<test::HttpResult> parallel(requests.size() * kRounds);
    std::vector<std::thread> clients;
    for (size_t idx = 0; idx < parallel.size(); ++idx)
        clients.emplace_back([&, idx] { parallel[idx] = speak(requests[idx % requests.size()]); });
    for (std::thread& client : clients) client.join();
    for (size_t idx = 0; idx < parallel.size(); ++idx) {
        ASSERT_EQ(parallel[idx].status, 200) << parallel[idx].body;
        EXPECT_TRUE(parallel[idx].body == sequential[idx % requests.size()])
            << "request " << idx << ": " << requests[idx % requests.size()].dump() << ", " << parallel[idx].body.size()
            << " bytes vs " << sequential[idx % requests.size()].size();
    }
}

TEST(SpeechServe, TranscriptionRoundTripInEveryResponseFormat) {
    ASSERT_NE(server().port, 0);
    auto audio = speak({{"input", "The weather is nice today."}, {"response_format", "flac"}});
    ASSERT_EQ(audio.status, 200);
    auto plain = transcribe({{"model", "pocketsphinx-en-us"}}, audio.body, "speech.flac");
    ASSERT_EQ(plain.status, 200) << plain.body;
    EXPECT_EQ(json::parse(plain.body)["text"], "the weather is nice today");
    auto text = transcribe({{"response_format", "text"}}, audio.body);
    EXPECT_EQ(text.body, "the weather is nice today\n");
    auto srt = transcribe({{"response_format", "srt"}}, audio.body);
    EXPECT_NE(srt.body.find("1\n00:00:0"), std::string::npos) << srt.body;
    EXPECT_NE(srt.body.find(" --> "), std::string::npos);
    auto vtt = transcribe({{"response_format", "vtt"}, {"language", "en"}, {"prompt", "weather"}}, audio.body);
    EXPECT_EQ(vtt.body.rfind("WEBVTT\n\n00:00:0", 0), 0u) << vtt.body;
    auto verbose = transcribe({{"response_format", "verbose_json"}, {"temperature", "0"}}, audio.body);
    json parsed = json::parse(verbose.body);
    ASSERT_FALSE(parsed["segments"].empty());
    EXPECT_GT(parsed["duration"].get<double>(), 1.0);
    // Timestamps lie inside the audio: the speech starts near its beginning and ends by its end.
    const double duration = parsed["duration"].get<double>();
    EXPECT_LT(parsed["segments"][0]["start"].get<double>(), 0.5) << verbose.body;
    for (const json& segment : parsed["segments"]) {
        EXPECT_LT(segment["start"].get<double>(), segment["end"].get<double>()) << verbose.body;
        EXPECT_LE(segment["end"].get<double>(), duration + 0.02) << verbose.body;
    }
}

TEST(SpeechServe, BadInputIsA400AndTheServerKeepsServing) {
    ASSERT_NE(server().port, 0);
    auto flac = speak({{"input", "A short sentence for truncation."}, {"response_format", "flac"}});
    ASSERT_EQ(flac.status, 200);
    auto empty_wav = engine::speech::encode_audio({}, 16000, engine::speech::AudioFormat::kWav);
    auto long_wav = engine::speech::encode_audio(std::vector<int16_t>(16000 * 40, 0), 16000,
                                                 engine::speech::AudioFormat::kWav);
    ASSERT_TRUE(empty_wav.ok() && long_wav.ok());
    struct Case {
        const char* what;
        test::HttpResult result;
        const char* message;
    };
    std::vector<Case> cases;
    cases.push_back({"empty file", transcribe({}, std::string()), "empty"});
    cases.push_back({"text named .wav", transcribe({}, std::string("just some text\n"), "notes.wav"), "not audio"});
    cases.push_back({"truncated flac", transcribe({}, flac.body.substr(0, flac.body.size() / 2), "a.flac"), "truncated"});
    cases.push_back({"0-length audio", transcribe({}, *empty_wav), "no samples"});
    cases.push_back({"too long", transcribe({}, *long_wav), "limit"});
    cases.push_back({"no file part", transcribe({{"model", "pocketsphinx-en-us"}}, std::nullopt), "'file'"});
    cases.push_back({"bad response_format", transcribe({{"response_format", "xml"}}, flac.body), "response_format"});
    cases.push_back({"tts model", transcribe({{"model", "espeak"}}, flac.body), "tts"});
    cases.push_back({"not multipart", test::http_request(server().port, "POST", "/v1/audio/transcriptions", "{}",
                                                         {{"Content-Type", "application/json"}}),
                     "multipart"});
    cases.push_back({"unknown voice", speak({{"input", "Hello"}, {"voice", "xx-nowhere"}}), "unknown voice"});
    cases.push_back({"unknown variant", speak({{"input", "Hello"}, {"voice", "en-us+nobody"}}), "unknown voice"});
    cases.push_back({"unknown format", speak({{"input", "Hello"}, {"response_format", "aac"}}), "response_format"});
    cases.push_back({"empty input", speak({{"input", ""}}), "input"});
    cases.push_back({"speed", speak({{"input", "Hello"}, {"speed", 9}}), "speed"});
    cases.push_back({"stt model speaks", speak({{"input", "Hello"}, {"model", "pocketsphinx-en-us"}}), "stt"});
    for (const Case& item : cases) {
        EXPECT_EQ(item.result.status, 400) << item.what << ": " << item.result.body;
        EXPECT_NE(item.result.body.find(item.message), std::string::npos) << item.what << ": " << item.result.body;
        expect_still_serving();
    }
    // Chat on a speech model is refused too.
    auto chat = test::http_request(server().port, "POST", "/v1/chat/completions",
                                   R"({"model":"espeak","messages":[{"role":"user","content":"hi"}]})",
                                   {{"Content-Type", "application/json"}});
    EXPECT_EQ(chat.status, 400) << chat.body;
    expect_still_serving();
}

}  // namespace
}  // namespace hearth
