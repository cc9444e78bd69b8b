// The JSON-prefix validator, against nlohmann-json: every prefix of a valid object is accepted
// and complete exactly at its end; mutated documents are judged the same way nlohmann judges
// them (complete ones parse as objects, accepted prefixes can be completed into objects that
// nlohmann parses, rejected ones never parse).
#include "text/json_prefix.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <vector>

namespace hearth::text {
namespace {

bool parses_as_object(const std::string& text) {
    if (!nlohmann::json::accept(text)) return false;
    return nlohmann::json::parse(text).is_object();
}

// Extends an accepted prefix into a complete object with the validator's help: at each step the
// first byte of a fixed preference list that it accepts. nlohmann then judges the result.
std::string complete_greedily(const std::string& prefix) {
    JsonPrefix state;
    EXPECT_TRUE(state.push(prefix));
    std::string text = prefix;
    static const std::string kPreference = "\"}]0:lseua\\Dnrtf1{\x80\x90\xA0";
    for (int step = 0; step < 1000 && !state.complete(); ++step) {
        bool advanced = false;
        for (char ch : kPreference) {
            JsonPrefix next = state;
            if (next.push_byte(static_cast<unsigned char>(ch))) {
                state = next;
                text += ch;
                advanced = true;
                break;
            }
        }
        if (!advanced) {
            ADD_FAILURE() << "no byte continues '" << text << "'";
            return text;
        }
    }
    return text;
}

TEST(JsonPrefix, AcceptsPrefixesOfObjectsAndKnowsWhenComplete) {
    const std::vector<std::string> documents = {
        "{}",
        " {\"a\": 1}\n",
        "{\"a\":[1,2.5,-0.25e+3,true,false,null,{\"b\":\"c\"}],\"d\":{}}",
        "{\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"}",
        "{\"utf8\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}",
        "{\"nested\":[[[[]]],[{}],{\"x\":[0,-0,1E5,2e-3]}]}",
        "\t\r\n{ \"k\" : \"v\" , \"n\" : 10 }  ",
    };
    for (const std::string& doc : documents) {
        ASSERT_TRUE(parses_as_object(doc)) << doc;
        JsonPrefix state;
        const size_t end = doc.find_last_not_of(" \t\r\n") + 1;
        for (size_t idx = 0; idx < doc.size(); ++idx) {
            ASSERT_TRUE(state.push_byte(static_cast<unsigned char>(doc[idx])))
                << doc << " at byte " << idx;
            EXPECT_EQ(state.complete(), idx + 1 >= end) << doc << " at byte " << idx;
        }
        EXPECT_EQ(state.depth(), 0);
    }
}

TEST(JsonPrefix, RefusesWhatCannotBecomeAnObject) {
    const std::vector<std::string> bad = {
        "[1]",  // top level must be an object
        "\"s\"",
        "1",
        "true",
        "x",
        "{\"a\":01}",  // leading zero
        "{\"a\":-}",
        "{\"a\":1.}",
        "{\"a\":1e}",
        "{\"a\":.5}",
        "{\"a\":+1}",
        "{\"a\":tru}",
        "{\"a\":nul }",
        "{\"a\":True}",
        "{\"a\":1,}",
        "{,}",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{1:2}",
        "{\"a\":[1,]}",
        "{\"a\":[,1]}",
        "{\"a\":[1}",
        "{\"a\":{]}",
        "{\"a\":\"\\x\"}",               // bad escape
        "{\"a\":\"\\u12G4\"}",           // bad hex
        "{\"a\":\"\\uDE00\"}",           // lone low surrogate
        "{\"a\":\"\\uD83D\"}",           // high surrogate without a low one
        "{\"a\":\"\\uD83D\\u0041\"}",    // high surrogate followed by a non-surrogate
        "{\"a\":\"tab\there\"}",         // raw control character
        "{\"a\":\"\xC3\x28\"}",          // bad continuation byte
        "{\"a\":\"\xC0\xAF\"}",          // overlong
        "{\"a\":\"\xED\xA0\x80\"}",      // encoded surrogate
        "{\"a\":\"\xF4\x90\x80\x80\"}",  // above U+10FFFF
        "{\"a\":\"\xFF\"}",
        "{} {}",
        "{}x",
        "{}}",
    };
    for (const std::string& text : bad) {
        JsonPrefix state;
        EXPECT_FALSE(state.push(text) && state.complete()) << text;
        EXPECT_FALSE(parses_as_object(text)) << text;  // nlohmann agrees
        if (!state.valid()) {
            EXPECT_FALSE(state.push("}")) << "stays invalid";
        }
    }
}

TEST(JsonPrefix, DepthIsBounded) {
    JsonPrefix state;
    ASSERT_TRUE(state.push("{\"a\":"));
    for (int idx = 1; idx < JsonPrefix::kMaxDepth; ++idx) ASSERT_TRUE(state.push("[")) << idx;
    EXPECT_EQ(state.depth(), JsonPrefix::kMaxDepth);
    EXPECT_FALSE(state.accepts("["));
    EXPECT_FALSE(state.accepts("{"));
    EXPECT_TRUE(state.accepts("]"));
}

TEST(JsonPrefix, EqualDocumentsGiveEqualStates) {
    JsonPrefix a;
    JsonPrefix b;
    ASSERT_TRUE(a.push("{\"x\": \"\\u0041b"));
    ASSERT_TRUE(b.push("{\"yy\":\"c"));
    EXPECT_EQ(a, b);  // both inside a value string at depth 1
    EXPECT_EQ(a.hash(), b.hash());
    ASSERT_TRUE(a.push("\", \"l\": [true, {\"q\": 1}]"));
    ASSERT_TRUE(b.push("\",\"m\":[null]"));
    EXPECT_EQ(a, b);
    ASSERT_TRUE(a.push(", \"z\": ["));
    EXPECT_NE(a, b);
}

// ---- randomized against nlohmann ----------------------------------------------------------

nlohmann::json random_value(std::mt19937& rng, int depth) {
    const int kind = static_cast<int>(rng() % (depth > 3 ? 5 : 7));
    switch (kind) {
        case 0:
            return nullptr;
        case 1:
            return rng() % 2 == 0;
        case 2:
            return static_cast<int64_t>(rng() % 2000) - 1000;
        case 3:
            return (static_cast<double>(rng() % 100000) - 50000.0) / 64.0;
        case 4: {
            static const std::vector<std::string> parts = {"a",    "é", "\"", "\\", "\n",
                                                           "\x01", "😀", " ",  "€",  "/"};
            std::string text;
            for (size_t idx = rng() % 5; idx > 0; --idx) text += parts[rng() % parts.size()];
            return text;
        }
        case 5: {
            nlohmann::json array = nlohmann::json::array();
            for (size_t idx = rng() % 4; idx > 0; --idx)
                array.push_back(random_value(rng, depth + 1));
            return array;
        }
        default: {
            nlohmann::json object = nlohmann::json::object();
            for (size_t idx = rng() % 4; idx > 0; --idx)
                object["k" + std::to_string(rng() % 10)] = random_value(rng, depth + 1);
            return object;
        }
    }
}

std::string random_document(std::mt19937& rng) {
    nlohmann::json object = nlohmann::json::object();
    for (size_t idx = rng() % 5; idx > 0; --idx)
        object["key" + std::to_string(idx)] = random_value(rng, 1);
    // Pretty or compact, ASCII-escaped or raw UTF-8.
    const int indent = rng() % 2 == 0 ? -1 : static_cast<int>(rng() % 4);
    return object.dump(indent, ' ', rng() % 2 == 0);
}

TEST(JsonPrefix, RandomDocumentsAndMutationsAgreeWithNlohmann) {
    std::mt19937 rng(99);
    size_t n_complete = 0;
    size_t n_prefix = 0;
    size_t n_rejected = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        const std::string doc = random_document(rng);
        // Every prefix of a valid document is accepted, complete only at its end.
        JsonPrefix state;
        for (size_t idx = 0; idx < doc.size(); ++idx) {
            ASSERT_TRUE(state.push_byte(static_cast<unsigned char>(doc[idx])))
                << doc << " @" << idx;
            ASSERT_EQ(state.complete(), idx + 1 == doc.size()) << doc << " @" << idx;
        }
        // Mutations: replace, insert or delete a byte, then cut at a random length.
        std::string mutated = doc;
        const size_t at = rng() % mutated.size();
        static const std::string kBytes = "{}[]\":,.-+0123456789eEtfnu\\ \t\nax\x01\xC3\xA9\xFF";
        const char byte = kBytes[rng() % kBytes.size()];
        switch (rng() % 3) {
            case 0:
                mutated[at] = byte;
                break;
            case 1:
                mutated.insert(mutated.begin() + static_cast<long>(at), byte);
                break;
            default:
                mutated.erase(at, 1);
                break;
        }
        if (rng() % 2 == 0) mutated.resize(rng() % (mutated.size() + 1));

        JsonPrefix judged;
        const bool accepted = judged.push(mutated);
        if (accepted && judged.complete()) {
            ++n_complete;
            EXPECT_TRUE(parses_as_object(mutated)) << mutated;
        } else if (accepted) {
            ++n_prefix;
            EXPECT_FALSE(nlohmann::json::accept(mutated)) << mutated;
            const std::string completed = complete_greedily(mutated);
            EXPECT_TRUE(parses_as_object(completed)) << mutated << " -> " << completed;
        } else {
            ++n_rejected;
            EXPECT_FALSE(parses_as_object(mutated)) << mutated;
        }
    }
    EXPECT_GT(n_complete, 100u);
    EXPECT_GT(n_prefix, 500u);
    EXPECT_GT(n_rejected, 500u);
}

}  // namespace
}  // namespace hearth::text
