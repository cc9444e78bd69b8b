// Chat templates: the built-in formats rendered exactly, the detector, error messages with
// positions, and hostile templates that must fail cleanly instead of crashing, hanging or
// exhausting memory. (Rendering semantics are checked against Jinja2 itself in
// chat_template_jinja_test.cpp.)
#include "text/chat_template/chat_template.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "text/chat_template/builtin_templates.h"

namespace hearth::text {
namespace {

ChatContext conversation(bool with_system, bool add_generation_prompt = true) {
    ChatContext context;
    if (with_system) context.messages.push_back({"system", "Be brief."});
    context.messages.push_back({"user", "Hi there"});
    context.messages.push_back({"assistant", "Hello!"});
    context.messages.push_back({"user", "2+2?"});
    context.add_generation_prompt = add_generation_prompt;
    return context;
}

std::string render_builtin(BuiltinTemplate which, const ChatContext& context) {
    auto parsed = ChatTemplate::parse(builtin_template_source(which));
    EXPECT_TRUE(parsed.ok()) << builtin_template_name(which) << ": " << parsed.error().message;
    if (!parsed.ok()) return "";
    auto rendered = parsed->render(context);
    EXPECT_TRUE(rendered.ok()) << builtin_template_name(which) << ": " << rendered.error().message;
    return rendered.ok() ? *rendered : "";
}

Result<std::string> render(std::string_view source, const ChatContext& context = {},
                           ChatTemplateLimits limits = {}) {
    auto parsed = ChatTemplate::parse(source, limits);
    if (!parsed.ok()) return parsed.take_error();
    return parsed->render(context);
}

// ---- built-in formats ---------------------------------------------------------------------

TEST(ChatTemplateBuiltin, Chatml) {
    EXPECT_EQ(render_builtin(BuiltinTemplate::kChatml, conversation(true)),
              "<|im_start|>system\nBe brief.<|im_end|>\n"
              "<|im_start|>user\nHi there<|im_end|>\n"
              "<|im_start|>assistant\nHello!<|im_end|>\n"
              "<|im_start|>user\n2+2?<|im_end|>\n"
              "<|im_start|>assistant\n");
}

TEST(ChatTemplateBuiltin, Llama2) {
    ChatContext context = conversation(true);
    context.bos_token = "<s>";
    context.eos_token = "</s>";
    EXPECT_EQ(render_builtin(BuiltinTemplate::kLlama2, context),
              "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi there [/INST] Hello! </s>"
              "<s>[INST] 2+2? [/INST]");
}

TEST(ChatTemplateBuiltin, Llama3) {
    ChatContext context = conversation(true);
    context.bos_token = "<|begin_of_text|>";
    EXPECT_EQ(render_builtin(BuiltinTemplate::kLlama3, context),
              "<|begin_of_text|>"
              "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
              "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
              "<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(ChatTemplateBuiltin, Mistral) {
    ChatContext context = conversation(true);
    context.bos_token = "<s>";
    context.eos_token = "</s>";
    EXPECT_EQ(render_builtin(BuiltinTemplate::kMistral, context),
              "<s>[INST] Be brief.\n\nHi there [/INST] Hello!</s>[INST] 2+2? [/INST]");
    EXPECT_EQ(render_builtin(BuiltinTemplate::kMistral, conversation(false)),
              "[INST] Hi there [/INST] Hello![INST] 2+2? [/INST]");
}

TEST(ChatTemplateBuiltin, Gemma) {
    ChatContext context = conversation(true);
    context.bos_token = "<bos>";
    EXPECT_EQ(render_builtin(BuiltinTemplate::kGemma, context),
              "<bos><start_of_turn>user\nBe brief.\n\nHi there<end_of_turn>\n"
              "<start_of_turn>model\nHello!<end_of_turn>\n"
              "<start_of_turn>user\n2+2?<end_of_turn>\n"
              "<start_of_turn>model\n");
}

TEST(ChatTemplateBuiltin, Phi3) {
    ChatContext context = conversation(true, false);
    context.eos_token = "<|endoftext|>";
    EXPECT_EQ(render_builtin(BuiltinTemplate::kPhi3, context),
              "<|system|>\nBe brief.<|end|>\n<|user|>\nHi there<|end|>\n"
              "<|assistant|>\nHello!<|end|>\n<|user|>\n2+2?<|end|>\n<|endoftext|>");
}

TEST(ChatTemplateBuiltin, AlternationIsEnforcedWithTheTemplatesMessage) {
    ChatContext context;
    context.messages = {{"user", "a"}, {"user", "b"}};
    for (BuiltinTemplate which :
         {BuiltinTemplate::kLlama2, BuiltinTemplate::kMistral, BuiltinTemplate::kGemma}) {
        auto parsed = ChatTemplate::parse(builtin_template_source(which));
        ASSERT_TRUE(parsed.ok());
        auto rendered = parsed->render(context);
        ASSERT_FALSE(rendered.ok()) << builtin_template_name(which);
        EXPECT_EQ(rendered.error().code, Errc::kInvalidArgument);
        EXPECT_EQ(rendered.error().message,
                  "Conversation roles must alternate user/assistant/user/assistant/...");
    }
}

TEST(ChatTemplateBuiltin, NamesRoundTrip) {
    std::set<std::string_view> names;
    for (BuiltinTemplate which : kAllBuiltinTemplates) {
        names.insert(builtin_template_name(which));
        EXPECT_EQ(builtin_template_from_name(builtin_template_name(which)), which);
    }
    EXPECT_EQ(names.size(), std::size(kAllBuiltinTemplates));
    EXPECT_FALSE(builtin_template_from_name("vicuna").has_value());
}

TEST(ChatTemplateBuiltin, DetectsTheFormatFromSpecialTokens) {
    auto detect = [](std::set<std::string_view> tokens) {
        return detect_builtin_template(
            [&](std::string_view text) { return tokens.count(text) > 0; });
    };
    EXPECT_EQ(
        detect({"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"}),
        BuiltinTemplate::kLlama3);
    EXPECT_EQ(detect({"<|im_start|>", "<|im_end|>", "<|endoftext|>"}), BuiltinTemplate::kChatml);
    EXPECT_EQ(detect({"<bos>", "<start_of_turn>", "<end_of_turn>"}), BuiltinTemplate::kGemma);
    EXPECT_EQ(detect({"<|user|>", "<|end|>", "<|assistant|>", "<|endoftext|>"}),
              BuiltinTemplate::kPhi3);
    EXPECT_EQ(detect({"<|user|>"}), BuiltinTemplate::kChatml);  // <|user|> alone is not Phi-3
    EXPECT_EQ(detect({"<s>", "</s>", "[INST]", "[/INST]"}), BuiltinTemplate::kMistral);
    EXPECT_EQ(detect({"<s>", "</s>"}), BuiltinTemplate::kChatml);
    EXPECT_EQ(detect({}), BuiltinTemplate::kChatml);
}

// ---- errors -------------------------------------------------------------------------------

void expect_error(std::string_view source, Errc code, std::string_view fragment,
                  const ChatContext& context = {}, ChatTemplateLimits limits = {}) {
    auto result = render(source, context, limits);
    ASSERT_FALSE(result.ok()) << source.substr(0, 200) << " rendered " << result->substr(0, 200);
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_NE(result.error().message.find(fragment), std::string::npos)
        << "'" << result.error().message << "' lacks '" << fragment << "'";
}

TEST(ChatTemplateErrors, SyntaxErrorsNameLineAndColumn) {
    expect_error("line one\n{% if true %}open", Errc::kInvalidArgument,
                 "line 2, column 1: unclosed 'if' block: missing '{% endif %}'");
    expect_error("{% for m in messages %}\n  {% set x = m %}\n  {% endfor %}{% endfor %}",
                 Errc::kInvalidArgument, "line 3, column 15: unexpected '{% endfor %}'");
    expect_error("{% for m in messages %}{% if x %}{% endif %}", Errc::kInvalidArgument,
                 "unclosed 'for' block: missing '{% endfor %}'");
    expect_error("ab\n  {{ x | frobnicate }}", Errc::kInvalidArgument,
                 "line 2, column 10: unknown filter 'frobnicate'");
    expect_error("{{ x is frobnicated }}", Errc::kInvalidArgument, "unknown test 'frobnicated'");
    expect_error("{{ x ", Errc::kInvalidArgument, "unclosed tag '{{'");
    expect_error("{# never closed", Errc::kInvalidArgument, "missing end of comment tag");
    expect_error("{{ 'abc }}", Errc::kInvalidArgument, "unterminated string literal");
    expect_error("{% endif %}", Errc::kInvalidArgument,
                 "unexpected '{% endif %}' with no open block");
    expect_error("{% frobnicate %}", Errc::kInvalidArgument, "unknown tag 'frobnicate'");
    expect_error("{% call f() %}x{% endcall %}", Errc::kInvalidArgument,
                 "the 'call' tag is not supported");
    expect_error("{% macro f(a, a) %}{% endmacro %}", Errc::kInvalidArgument,
                 "duplicate macro parameter 'a'");
    expect_error("{% for x in y %}{% macro f() %}{% break %}{% endmacro %}{% endfor %}",
                 Errc::kInvalidArgument, "'break' outside of a for loop");
    expect_error("{% include 'x' %}", Errc::kInvalidArgument, "the 'include' tag is not supported");
    expect_error("{{ 1 + }}", Errc::kInvalidArgument, "expected an expression, found '}}'");
    expect_error("{{ (1 ] }}", Errc::kInvalidArgument, "unexpected ']', expected ')'");
    expect_error("{% break %}", Errc::kInvalidArgument, "'break' outside of a for loop");
    expect_error("{{ 99999999999999999999 }}", Errc::kInvalidArgument, "too large");
}

TEST(ChatTemplateErrors, RenderErrorsNameLineAndColumn) {
    expect_error("\n\n   {{ nothing.attribute }}", Errc::kInvalidArgument,
                 "line 3, column 7: 'nothing' is undefined");
    expect_error("{{ 'a' + 1 }}", Errc::kInvalidArgument,
                 "unsupported operand type(s) for +: 'str' and 'int'");
    expect_error("{{ 1 / 0 }}", Errc::kInvalidArgument, "division by zero");
    expect_error("{% for x in 5 %}{% endfor %}", Errc::kInvalidArgument,
                 "'int' object is not iterable");
    expect_error("{{ nothing_here() }}", Errc::kInvalidArgument, "'nothing_here' is undefined");
    expect_error("{{ 1 < 'a' }}", Errc::kInvalidArgument,
                 "'<' not supported between instances of 'int' and 'str'");
    expect_error("{{ 'x %s' % 1 }}", Errc::kInvalidArgument, "printf-style string formatting");
    expect_error("{% set d = {} %}{% set d.x = 1 %}", Errc::kInvalidArgument,
                 "it is not a namespace");
    expect_error("{{ 9223372036854775807 + 1 }}", Errc::kInvalidArgument, "integer overflow");
    expect_error("{{ {1: 2} }}", Errc::kInvalidArgument, "dict keys must be strings");
}

TEST(ChatTemplateErrors, RaiseExceptionGivesTheTemplatesOwnMessage) {
    auto result = render(
        "{% if messages | length < 2 %}{{ raise_exception('need ' ~ 2 ~ ' messages') }}{% endif "
        "%}");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, Errc::kInvalidArgument);
    EXPECT_EQ(result.error().message, "need 2 messages");
}

// ---- hostile templates --------------------------------------------------------------------

TEST(ChatTemplateLimits, RunawayLoopsStopAtTheWorkBudget) {
    const auto start = std::chrono::steady_clock::now();
    expect_error("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
                 Errc::kResourceExhausted, "steps");
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 120.0);  // about 1 s optimised, 20 s under sanitizers
    ChatTemplateLimits small;
    small.max_work = 10'000;
    expect_error("{% for a in range(1000) %}{{ a }}{% endfor %}", Errc::kResourceExhausted,
                 "took more than 10000 steps", {}, small);
    expect_error("{{ range(1000000) | length }}", Errc::kInvalidArgument,
                 "larger than the limit (100000)");
}

TEST(ChatTemplateLimits, DoublingStringsStopAtTheSizeLimit) {
    expect_error(
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s | length }}",
        Errc::kResourceExhausted, "limit");
    expect_error("{{ 'x' * 9000000000000 }}", Errc::kResourceExhausted, "limit");
    expect_error("{{ [1] * 9000000000000 }}", Errc::kResourceExhausted, "limit");
    expect_error(
        "{% set ns = namespace(s=[1]) %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
        "{% endfor %}",
        Errc::kResourceExhausted, "limit");
    expect_error(
        "{% set ns = namespace(s='ab') %}{% for i in range(64) %}"
        "{% set ns.s = ns.s | replace('a', ns.s) %}{% endfor %}",
        Errc::kResourceExhausted, "limit");
    ChatTemplateLimits small;
    small.max_output_bytes = 1000;
    expect_error("{% for i in range(2000) %}x{% endfor %}", Errc::kResourceExhausted,
                 "rendered text grew past the limit of 1000 bytes", {}, small);
}

TEST(ChatTemplateLimits, SharedValuesCannotMakeComparisonsExplode) {
    // 64 levels of [x] * 2 share their elements: walking them fully would take 2^64 steps.
    expect_error(
        "{% set ns = namespace(a=[1], b=[1]) %}{% for i in range(60) %}"
        "{% set ns.a = [ns.a, ns.a] %}{% set ns.b = [ns.b, ns.b] %}{% endfor %}"
        "{{ ns.a == ns.b }}",
        Errc::kResourceExhausted, "");
}

TEST(ChatTemplateLimits, DeepNestingIsRefusedNotRecursedInto) {
    expect_error("{{ " + std::string(100000, '(') + "1" + std::string(100000, ')') + " }}",
                 Errc::kInvalidArgument, "expression nested more than 128 deep");
    expect_error("{{ " + std::string(100000, '[') + std::string(100000, ']') + " }}",
                 Errc::kInvalidArgument, "nested more than");
    std::string not_chain = "{{ ";
    for (int idx = 0; idx < 100000; ++idx) not_chain += "not ";
    expect_error(not_chain + "x }}", Errc::kInvalidArgument, "nested more than");
    std::string filters = "{{ 'x'";
    for (int idx = 0; idx < 100000; ++idx) filters += " | trim";
    expect_error(filters + " }}", Errc::kInvalidArgument, "nested more than");
    std::string sums = "{{ 1";
    for (int idx = 0; idx < 100000; ++idx) sums += " + 1";
    expect_error(sums + " }}", Errc::kInvalidArgument, "nested more than");
    std::string blocks;
    for (int idx = 0; idx < 10000; ++idx) blocks += "{% if true %}";
    expect_error(blocks, Errc::kInvalidArgument, "blocks are nested more than 64 deep");
    expect_error(
        "{% set ns = namespace(x=1) %}{% for i in range(1000) %}{% set ns.x = [ns.x] %}"
        "{% endfor %}",
        Errc::kResourceExhausted, "values nested more than 64 deep");
    expect_error("{% set ns = namespace() %}{% set ns.inner = namespace() %}",
                 Errc::kInvalidArgument, "a namespace cannot hold another namespace");
}

TEST(ChatTemplateLimits, MacroRecursionIsBounded) {
    expect_error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", Errc::kResourceExhausted,
                 "macros called more than 32 deep");
    // Wide rather than deep: every call renders twice, 2^20 calls, stopped by the work budget.
    expect_error(
        "{% macro f(n) %}{% if n < 20 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}"
        "{% endmacro %}{{ f(0) }}",
        Errc::kResourceExhausted, "steps");
}

TEST(ChatTemplateLimits, SourceSizeIsBounded) {
    ChatTemplateLimits small;
    small.max_source_bytes = 100;
    auto parsed = ChatTemplate::parse(std::string(101, 'x'), small);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, Errc::kOutOfRange);
}

// ---- API ----------------------------------------------------------------------------------

TEST(ChatTemplateApi, RendersConcurrentlyFromOneParsedTemplate) {
    auto parsed = ChatTemplate::parse(builtin_template_source(BuiltinTemplate::kChatml));
    ASSERT_TRUE(parsed.ok());
    const ChatTemplate chat_template = *parsed;  // copies share the program
    const std::string expected = *chat_template.render(conversation(true));
    std::vector<std::thread> threads;
    std::vector<int> mismatches(4, 0);
    for (int thread_idx = 0; thread_idx < 4; ++thread_idx) {
        threads.emplace_back([&, thread_idx] {
            for (int round = 0; round < 200; ++round) {
                auto rendered = chat_template.render(conversation(true));
                if (!rendered.ok() || *rendered != expected)
                    ++mismatches[static_cast<size_t>(thread_idx)];
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (int count : mismatches) EXPECT_EQ(count, 0);
}

TEST(ChatTemplateApi, ContextVariables) {
    ChatContext context = conversation(false, false);
    context.bos_token = "<B>";
    context.eos_token = "<E>";
    auto result = render(
        "{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ messages | length }}|"
        "{{ messages[0].role }}:{{ messages[0]['content'] }}|{{ tools is none }}|"
        "{{ tool_choice is none }}|{{ missing is defined }}",
        context);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(*result, "<B>|<E>|False|3|user:Hi there|True|True|False");
}

TEST(ChatTemplateApi, StrftimeNowFormatsTheCurrentDate) {
    auto result = render("{{ strftime_now('%Y') | int > 2000 }} {{ strftime_now('') }}|");
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(*result, "True |");
}

TEST(ChatTemplateApi, NewlinesAreNormalisedAndOneTrailingNewlineDropped) {
    auto parsed = ChatTemplate::parse("a\r\nb\rc\n\n");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->source(), "a\nb\nc\n");
    EXPECT_EQ(*parsed->render({}), "a\nb\nc\n");
}

}  // namespace
}  // namespace hearth::text
