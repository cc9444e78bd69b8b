// Differential test against Python's Jinja2: tests/text/data/chat_templates.json holds templates
// (built-ins, one per construct, model-style templates, seeded random ones) with conversations
// and what Jinja2 3.1 rendered for them the way Hugging Face does
// (tools/gen_chat_template_testdata.py). Hearth must produce the same text, or fail where
// Jinja2 failed (with the template's own message for raise_exception).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "tests/text/fixtures.h"
#include "text/chat_template/builtin_templates.h"
#include "text/chat_template/chat_template.h"

namespace hearth::text {
namespace {

ChatContext context_from(const nlohmann::json& json) {
    ChatContext context;
    for (const auto& message : json.at("messages")) {
        context.messages.push_back(
            {message.at("role").get<std::string>(), message.at("content").get<std::string>()});
    }
    context.add_generation_prompt = json.at("add_generation_prompt").get<bool>();
    context.bos_token = json.at("bos_token").get<std::string>();
    context.eos_token = json.at("eos_token").get<std::string>();
    return context;
}

struct Outcome {
    bool ok = false;
    std::string text;  // output or error message
};

Outcome run_case(const std::string& source, const ChatContext& context) {
    auto parsed = ChatTemplate::parse(source);
    if (!parsed.ok()) return {false, parsed.error().message};
    auto rendered = parsed->render(context);
    if (!rendered.ok()) return {false, rendered.error().message};
    return {true, std::move(rendered).value()};
}

nlohmann::json load_cases() {
    // HEARTH_CHAT_TEMPLATE_DATA: another file from the generator (other seeds).
    if (const char* path = std::getenv("HEARTH_CHAT_TEMPLATE_DATA")) {
        std::ifstream in(path);
        return nlohmann::json::parse(in);
    }
    return testing::load_test_data("chat_templates.json");
}

TEST(ChatTemplateJinja, RendersEveryCaseAsJinja2Does) {
    const nlohmann::json data = load_cases();
    std::vector<ChatContext> contexts;
    for (const auto& context : data.at("contexts")) contexts.push_back(context_from(context));

    size_t n_cases = 0;
    size_t n_outputs = 0;
    std::vector<std::string> failures;
    for (const auto& item : data.at("cases")) {
        ++n_cases;
        const std::string name = item.at("name").get<std::string>();
        const std::string source = item.at("template").get<std::string>();
        const Outcome outcome = run_case(source, contexts.at(item.at("context").get<size_t>()));
        std::string problem;
        if (item.contains("output")) {
            ++n_outputs;
            const std::string expected = item.at("output").get<std::string>();
            if (!outcome.ok) {
                problem = "failed: " + outcome.text +
                          "\n  jinja2 rendered: " + nlohmann::json(expected).dump();
            } else if (outcome.text != expected) {
                problem = "rendered " + nlohmann::json(outcome.text).dump() +
                          "\n  jinja2 rendered " + nlohmann::json(expected).dump();
            }
        } else {
            const std::string kind = item.at("error").get<std::string>();
            const std::string message = item.at("message").get<std::string>();
            if (outcome.ok) {
                problem = "rendered " + nlohmann::json(outcome.text).dump() +
                          "\n  jinja2 failed: " + message;
            } else if (kind == "raised" && outcome.text != message) {
                problem = "failed with '" + outcome.text + "'\n  jinja2 raised '" + message + "'";
            }
        }
        if (!problem.empty()) {
            failures.push_back(name + ": " + problem +
                               "\n  template: " + nlohmann::json(source).dump());
        }
    }
    EXPECT_GT(n_cases, 1000u);
    EXPECT_GT(n_outputs, 500u);
    for (size_t idx = 0; idx < failures.size() && idx < 15; ++idx) ADD_FAILURE() << failures[idx];
    EXPECT_EQ(failures.size(), 0u) << "of " << n_cases << " cases";
}

// The data set must cover every built-in (so a new one gets a reference rendering too).
TEST(ChatTemplateJinja, CoversEveryBuiltin) {
    const nlohmann::json data = testing::load_test_data("chat_templates.json");
    for (BuiltinTemplate which : kAllBuiltinTemplates) {
        const std::string prefix = "builtin/" + std::string(builtin_template_name(which)) + "#";
        const std::string source(builtin_template_source(which));
        bool found = false;
        for (const auto& item : data.at("cases")) {
            if (item.at("name").get<std::string>().rfind(prefix, 0) == 0) {
                found = true;
                EXPECT_EQ(item.at("template").get<std::string>(), source)
                    << prefix << ": regenerate with tools/gen_chat_template_testdata.py";
                break;
            }
        }
        EXPECT_TRUE(found) << prefix;
    }
}

}  // namespace
}  // namespace hearth::text
