// Stop strings: what is emitted, held and cut, including randomized streams checked against a
// brute-force reference that searches the whole text after every piece.
#include "text/stop_matcher.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "text/utf8.h"

namespace hearth::text {
namespace {

struct Fed {
    std::vector<std::string> chunks;  // what each push returned, then flush
    std::string text;                 // all of it
    bool stopped = false;
    int stop_idx = -1;
};

Fed feed(const std::vector<std::string>& stops, const std::vector<std::string>& pieces) {
    StopMatcher matcher(stops);
    Fed run;
    for (const std::string& piece : pieces) {
        StopMatcher::Output out = matcher.push(piece);
        if (out.stopped) {
            EXPECT_FALSE(run.stopped) << "stopped twice";
            run.stopped = true;
            run.stop_idx = out.stop_idx;
        }
        run.text += out.text;
        run.chunks.push_back(std::move(out.text));
    }
    StopMatcher::Output last = matcher.flush();
    EXPECT_FALSE(last.stopped);
    run.text += last.text;
    run.chunks.push_back(std::move(last.text));
    EXPECT_EQ(matcher.stopped(), run.stopped);
    return run;
}

TEST(StopMatcher, CutsAtTheStopStringAcrossPieces) {
    const Fed run = feed({"</s>"}, {"Hello", " wor", "ld</", "s> and more", "ignored"});
    EXPECT_TRUE(run.stopped);
    EXPECT_EQ(run.stop_idx, 0);
    EXPECT_EQ(run.text, "Hello world");
    EXPECT_EQ(run.chunks, (std::vector<std::string>{"Hello", " wor", "ld", "", "", ""}));
}

TEST(StopMatcher, HoldsOnlyWhatCouldStillBecomeAStopString) {
    StopMatcher matcher({"###"});
    EXPECT_EQ(matcher.push("a#").text, "a");
    EXPECT_EQ(matcher.held_bytes(), 1u);
    EXPECT_EQ(matcher.push("#").text, "");
    EXPECT_EQ(matcher.held_bytes(), 2u);
    EXPECT_EQ(matcher.push("b").text, "##b");  // the prefix did not complete: released
    EXPECT_EQ(matcher.held_bytes(), 0u);
    EXPECT_EQ(matcher.push("c#").text, "c");
    const StopMatcher::Output end = matcher.flush();
    EXPECT_EQ(end.text, "#");  // released at the end of the stream
    EXPECT_FALSE(end.stopped);
}

TEST(StopMatcher, TheEarliestStopWinsAmongOverlappingOnes) {
    // "bc" completes inside a text that could still have become "abcd": generation stops now.
    Fed run = feed({"abcd", "bc"}, {"xab", "c", "d"});
    EXPECT_TRUE(run.stopped);
    EXPECT_EQ(run.stop_idx, 1);
    EXPECT_EQ(run.text, "xa");
    // Both complete in one piece: the one starting first cuts.
    run = feed({"cd", "abcd"}, {"xabcdy"});
    EXPECT_EQ(run.stop_idx, 1);
    EXPECT_EQ(run.text, "x");
    // Shared prefixes.
    run = feed({"<|im_end|>", "<|endoftext|>"}, {"ok<|", "end", "oftext|>"});
    EXPECT_EQ(run.stop_idx, 1);
    EXPECT_EQ(run.text, "ok");
}

TEST(StopMatcher, StopStringSpanningManyOnebytePieces) {
    const std::string text = "answer: 42<|im_end|>trailing";
    std::vector<std::string> pieces;
    for (char ch : text) pieces.emplace_back(1, ch);
    const Fed run = feed({"<|im_end|>"}, pieces);
    EXPECT_TRUE(run.stopped);
    EXPECT_EQ(run.text, "answer: 42");
}

TEST(StopMatcher, NeverSplitsAUtf8Character) {
    StopMatcher matcher({"STOP"});
    EXPECT_EQ(matcher.push("caf\xC3").text, "caf");
    EXPECT_EQ(matcher.held_bytes(), 1u);
    EXPECT_EQ(matcher.push("\xA9 \xF0\x9F").text, "\xC3\xA9 ");
    EXPECT_EQ(matcher.push("\x99").text, "");
    EXPECT_EQ(matcher.push("\x82!").text, "\xF0\x9F\x99\x82!");
    // Bytes that can never complete a character are not held.
    EXPECT_EQ(matcher.push("\xFF\x80").text, "\xFF\x80");
    // Multi-byte stop strings.
    const Fed run = feed({"\xE2\x80\xA6"}, {"wait\xE2", "\x80", "\xA6 more"});
    EXPECT_TRUE(run.stopped);
    EXPECT_EQ(run.text, "wait");
}

TEST(StopMatcher, NoStopStringsOrEmptyOnesPassEverythingThrough) {
    Fed run = feed({}, {"a", "b"});
    EXPECT_FALSE(run.stopped);
    EXPECT_EQ(run.chunks, (std::vector<std::string>{"a", "b", ""}));
    run = feed({"", "zz"}, {"a", "z", "b"});
    EXPECT_FALSE(run.stopped);
    EXPECT_EQ(run.text, "azb");
}

TEST(StopMatcher, StopAtTheVeryStart) {
    const Fed run = feed({"stop"}, {"stop", "x"});
    EXPECT_TRUE(run.stopped);
    EXPECT_EQ(run.text, "");
}

// ---- randomized against a brute-force reference -------------------------------------------

// Longest tail of `text` that is a proper prefix of a stop string, or an unfinished character.
size_t reference_hold(const std::string& text, const std::vector<std::string>& stops) {
    size_t hold = 0;
    for (size_t length = 1; length <= text.size(); ++length) {
        const std::string tail = text.substr(text.size() - length);
        for (const std::string& stop : stops)
            if (stop.size() > length && stop.compare(0, length, tail) == 0) hold = length;
    }
    for (size_t offset = text.size() > 3 ? text.size() - 3 : 0; offset < text.size(); ++offset) {
        const utf8::Decoded unit = utf8::decode(text, offset);
        if ((static_cast<unsigned char>(text[offset]) & 0xC0) != 0x80 && unit.truncated &&
            offset + unit.length == text.size()) {
            hold = std::max(hold, text.size() - offset);
        }
    }
    return hold;
}

TEST(StopMatcher, RandomStreamsMatchTheBruteForceReference) {
    std::mt19937 rng(1234);
    // Small alphabet so stop strings occur often; "é" and "€" make multi-byte characters.
    const std::vector<std::string> symbols = {"a", "b", "c", "\xC3\xA9", "\xE2\x82\xAC", "<", "|"};
    auto random_string = [&](size_t min_symbols, size_t max_symbols) {
        std::string out;
        const size_t count = min_symbols + rng() % (max_symbols - min_symbols + 1);
        for (size_t idx = 0; idx < count; ++idx) out += symbols[rng() % symbols.size()];
        return out;
    };
    size_t n_stopped = 0;
    for (int trial = 0; trial < 20000; ++trial) {
        std::vector<std::string> stops;
        const size_t n_stops = rng() % 4;
        for (size_t idx = 0; idx < n_stops; ++idx) stops.push_back(random_string(1, 4));
        const std::string text = random_string(0, 30);
        // Random cut points, anywhere (also inside characters).
        std::vector<std::string> pieces;
        for (size_t pos = 0; pos < text.size();) {
            const size_t length = 1 + rng() % 6;
            pieces.push_back(text.substr(pos, length));
            pos += length;
        }

        // Reference: after each piece, search everything so far.
        std::string expected = text;
        bool expect_stop = false;
        std::string so_far;
        for (const std::string& piece : pieces) {
            so_far += piece;
            size_t first = std::string::npos;
            for (const std::string& stop : stops) first = std::min(first, so_far.find(stop));
            if (first != std::string::npos) {
                expected = so_far.substr(0, first);
                expect_stop = true;
                break;
            }
        }

        StopMatcher matcher(stops);
        std::string emitted;
        std::string fed;
        bool stopped = false;
        for (const std::string& piece : pieces) {
            fed += piece;
            const StopMatcher::Output out = matcher.push(piece);
            emitted += out.text;
            if (out.stopped) {
                stopped = true;
                break;
            }
            // Emits as early as possible: exactly the reference tail is held.
            ASSERT_EQ(emitted + std::string(fed, emitted.size()), fed);
            ASSERT_EQ(matcher.held_bytes(), reference_hold(fed, stops))
                << "trial " << trial << " text '" << fed << "'";
            // Never half a character at the end of an emitted chunk.
            ASSERT_EQ(reference_hold(out.text, {}), 0u) << "trial " << trial;
        }
        emitted += matcher.flush().text;
        ASSERT_EQ(stopped, expect_stop) << "trial " << trial;
        ASSERT_EQ(emitted, expected) << "trial " << trial << " text '" << text << "'";
        n_stopped += stopped ? 1 : 0;
    }
    EXPECT_GT(n_stopped, 2000u);  // the alphabet makes both outcomes common
}

}  // namespace
}  // namespace hearth::text
