#!/usr/bin/python3
"""Generates tests/text/data/chat_templates.json: chat templates and conversations rendered by
Python's Jinja2 (Debian's python3-jinja2) the way Hugging Face's apply_chat_template renders them
(ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loop controls, tojson as json.dumps
with ensure_ascii=False, raise_exception). tests/text/chat_template_jinja_test.cpp renders every
case with hearth's interpreter and expects the same text, or an error where Jinja2 raised one
(the exact message for raise_exception).

Cases:
  builtin/*     the built-in templates of text/chat_template/builtin_templates.cpp
  construct/*   one small template per construct (statements, operators, filters, tests, ...)
  model/*       templates written in the style of Llama 3.x, Qwen2.5, Mistral, Gemma and Phi-3
  random/*      seeded random templates over the supported grammar
The hand-written templates are also written to fuzz/seeds/chat_template/ as fuzzing seeds.

Run: /usr/bin/python3 tools/gen_chat_template_testdata.py   (deterministic; output committed)
     /usr/bin/python3 tools/gen_chat_template_testdata.py SEED PATH   (other random templates;
     point HEARTH_CHAT_TEMPLATE_DATA at PATH to run the C++ test on them)
"""
import copy
import json
import pathlib
import random
import re
import sys

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "text" / "data" / "chat_templates.json"
SEEDS = ROOT / "fuzz" / "seeds" / "chat_template"


class RaisedByTemplate(Exception):
    pass


def raise_exception(message):
    raise RaisedByTemplate(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


class Generation(Extension):
    """{% generation %}...{% endgeneration %}: Hugging Face's AssistantTracker, rendering only."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.Scope(body).set_lineno(lineno)


def make_env():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=["jinja2.ext.loopcontrols", Generation])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


ENV = make_env()


def render(source, context):
    """{"output": text} or {"error": kind, "message": text}."""
    try:
        template = ENV.from_string(source)
    except jinja2.TemplateSyntaxError as error:
        return {"error": "syntax", "message": str(error)}
    except Exception as error:  # noqa: BLE001 - any refusal counts as an error
        return {"error": "syntax", "message": f"{type(error).__name__}: {error}"}
    try:
        variables = copy.deepcopy(context)  # some filters mutate lists in place (indent)
        variables.setdefault("tools", None)
        variables.setdefault("tool_choice", None)
        return {"output": template.render(**variables)}
    except RaisedByTemplate as error:
        return {"error": "raised", "message": str(error)}
    except RecursionError:
        return {"error": "render", "message": "recursion"}
    except Exception as error:  # noqa: BLE001
        return {"error": "render", "message": f"{type(error).__name__}: {error}"}


# ---- conversations --------------------------------------------------------------------------

def conv(*turns, gen=True, bos="<s>", eos="</s>"):
    return {"messages": [{"role": r, "content": c} for r, c in turns],
            "add_generation_prompt": gen, "bos_token": bos, "eos_token": eos}


CONVERSATIONS = [
    conv(("user", "Hello!")),
    conv(("system", "You are terse."), ("user", "Hi"), ("assistant", "Hello."), ("user", "Bye")),
    conv(("user", "  spaced  \n"), ("assistant", " ok "), gen=False),
    conv(("system", "S"), ("user", "Q1"), ("assistant", "A1"), gen=False, bos="", eos=""),
    conv(("user", "é ü 中文 🙂 \"quoted\" 'single' \\ back"), ("assistant", "multi\nline\n\ntext")),
    conv(("user", "a"), ("user", "b")),  # not alternating: some templates refuse
    conv(gen=True),  # no messages
    conv(("system", "only system"), gen=False),
    conv(("user", "{{ not a template }} {% neither %}"), ("assistant", "<|im_end|>")),
]


# ---- built-in templates ---------------------------------------------------------------------

def builtin_templates():
    text = (ROOT / "text" / "chat_template" / "builtin_templates.cpp").read_text()
    found = re.findall(r'constexpr std::string_view k(\w+) = R"jinja\((.*?)\)jinja";', text, re.S)
    return {name.lower(): source for name, source in found}


# ---- one template per construct -------------------------------------------------------------

CONSTRUCTS = {
    "text_only": "plain text\nwith lines\n",
    "trailing_newlines": "a\n\n",
    "crlf": "a\r\nb\rc\n{% if true %}\r\nx\r\n{% endif %}\r\n",
    "comment": "a{# comment #}b\n  {# indented comment #}\nc{#- strip -#}  d",
    "whitespace_control": "x  {%- if true -%}  y  {%- endif -%}  z\n{{- ' w ' -}}\n  v",
    "trim_blocks": "{% if true %}\nline\n{% endif %}\nafter",
    "lstrip_blocks": "  {% if true %}\n    body\n  {% endif %}\n  end",
    "lstrip_plus": "  {%+ if true %}x{% endif +%}\ny",
    "lstrip_not_line_start": "a  {% if true %}b{% endif %}  c",
    "variable_not_lstripped": "  {{ 'v' }}\n",
    "raw": "{% raw %}{{ not evaluated }} {% if %}{% endraw %}!",
    "raw_strip": "a  {%- raw -%}  b  {%- endraw -%}  c",
    "if_elif_else": "{% for n in [1, 2, 3, 4] %}{% if n == 1 %}one{% elif n == 2 %}two{% elif n > 3 %}big{% else %}other{% endif %},{% endfor %}",
    "for_loop_vars": "{% for m in messages %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }};{% endfor %}",
    "for_prev_next": "{% for x in ['a', 'b', 'c'] %}[{{ loop.previtem }}|{{ x }}|{{ loop.nextitem }}]{% endfor %}",
    "for_else": "{% for x in [] %}{{ x }}{% else %}empty{% endfor %}{% for x in [1] %}{{ x }}{% else %}no{% endfor %}",
    "for_filter": "{% for m in messages if m.role != 'system' %}{{ loop.index }}:{{ m.role }} of {{ loop.length }};{% endfor %}",
    "for_dict_items": "{% for k, v in {'b': 1, 'a': [2, 3]}.items() %}{{ k }}={{ v }};{% endfor %}",
    "for_dict_keys": "{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}",
    "for_string": "{% for ch in 'héllo' %}{{ ch }}.{% endfor %}",
    "for_unpack_tuples": "{% for a, b in [(1, 2), [3, 4]] %}{{ a + b }} {% endfor %}",
    "for_nested_loop": "{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }}|{% endfor %}",
    "break_continue": "{% for n in range(10) %}{% if n == 2 %}{% continue %}{% endif %}{% if n == 5 %}{% break %}{% endif %}{{ n }}{% endfor %}",
    "set_scoping": "{% set x = 1 %}{% for i in range(3) %}{{ x }}{% set x = x + 10 %}{{ x }},{% endfor %}{{ x }}{% if true %}{% set y = 5 %}{% endif %}{{ y }}",
    "namespace": "{% set ns = namespace(count=0, seen=false) %}{% for m in messages %}{% set ns.count = ns.count + 1 %}{% if m.role == 'user' %}{% set ns.seen = true %}{% endif %}{% endfor %}{{ ns.count }} {{ ns.seen }}",
    "namespace_new_attr": "{% set ns = namespace() %}{% set ns.x = [1, 2] %}{{ ns.x }} {{ ns.y is defined }}",
    "set_block": "{% set greeting %}Hello {{ messages | length }}{% endset %}[{{ greeting }}]",
    "set_unpack": "{% set a, b = 1, 'two' %}{{ a }}{{ b }}{% set t = 1, 2 %}{{ t }}",
    "literals": "{{ 42 }} {{ -7 }} {{ 1.5 }} {{ 1e3 }} {{ 2.5e-7 }} {{ 1_000 }} {{ 0x1F }} {{ true }} {{ False }} {{ none }} {{ None }} {{ 'a' \"b\" }} {{ [1, 'x', none, true] }} {{ {'k': 'v', 'n': 1} }} {{ (1,) }} {{ () }}",
    "string_escapes": "{{ 'tab\\there' }}|{{ \"nl\\nq\\\"\" }}|{{ '\\u00e9\\x41' }}|{{ 'keep\\d' }}",
    "float_repr": "{{ 0.1 + 0.2 }} {{ 1.0 }} {{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ 10 / 4 }} {{ 3 / 3 }} {{ -0.0 }}",
    "arithmetic": "{{ 7 + 3 }} {{ 7 - 10 }} {{ 7 * 3 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1 + 2 * 3 - 4 }} {{ (1 + 2) * 3 }}",
    "concat": "{{ 'a' + 'b' }} {{ 'x' ~ 1 ~ none ~ true ~ [1] }} {{ [1] + [2, 3] }} {{ 'ab' * 3 }} {{ 2 * [0] }}",
    "comparisons": "{{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 4 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ 1 != 2 }} {{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ true == 1 }} {{ none == none }}",
    "in_operator": "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'abc' }} {{ 3 not in [3] }}",
    "logic": "{{ true and 'x' }} {{ 0 or 'fallback' }} {{ not none }} {{ '' or [] }} {{ 1 and 0 }} {{ not 1 == 2 }}",
    "conditional_expr": "{{ 'yes' if messages else 'no' }} {{ 'a' if false }}|{{ 1 if false else 2 if true else 3 }}",
    "attribute_subscript": "{{ messages[0].role }} {{ messages[0]['content'] }} {{ messages[-1].role }} {{ messages[99] }}|{{ messages[0].missing }}|{{ 'abc'[1] }} {{ 'héllo'[1] }} {{ messages.0.role }}",
    "slicing": "{{ messages[1:] | length }} {{ [1, 2, 3, 4, 5][1:4] }} {{ [1, 2, 3, 4, 5][::2] }} {{ [1, 2, 3][::-1] }} {{ 'hello'[1:-1] }} {{ 'héllo'[:2] }} {{ [1, 2, 3][-2:] }} {{ [1, 2, 3][5:] }}",
    "tests": "{{ x is defined }} {{ messages is defined }} {{ none is none }} {{ 'a' is string }} {{ 1 is string }} {{ {} is mapping }} {{ [] is mapping }} {{ [] is iterable }} {{ 'a' is iterable }} {{ 1 is number }} {{ 1.5 is float }} {{ 1 is integer }} {{ true is boolean }} {{ 4 is even }} {{ 3 is odd }} {{ 9 is divisibleby 3 }} {{ 1 is eq 1 }} {{ 'a' is equalto 'b' }} {{ x is undefined }} {{ [] is sequence }} {{ true is true }} {{ 0 is false }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 1 is not none }} {{ 5 is gt 3 }} {{ 2 is in [1, 2] }}",
    "filters_strings": "{{ '  pad  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ 'Hi' | upper }}|{{ 'Hi' | lower }}|{{ 'hello world' | title }}|{{ 'they\\'re-here(now' | title }}|{{ 'hELLO' | capitalize }}|{{ 'aXbXc' | replace('X', '-') }}|{{ 'aaa' | replace('a', 'b', 2) }}|{{ 'ab' | replace('', '.') }}",
    "filters_length_default": "{{ messages | length }} {{ 'héllo' | length }} {{ {'a': 1} | count }} {{ x | default('d') }} {{ none | default('d') }} {{ '' | default('d', true) }} {{ x | d('short') }} {{ 0 | default(5, boolean=true) }}",
    "filters_lists": "{{ [3, 1, 2] | first }} {{ [3, 1, 2] | last }} {{ 'abc' | first }} {{ [] | first }}|{{ [1, 2] | join(', ') }} {{ ['a', 'b'] | join }} {{ 'abc' | list }} {{ {'a': 1, 'b': 2} | list }} {{ [1, 2, 3] | reverse | list }} {{ 'abc' | reverse }}",
    "filters_select": "{{ messages | selectattr('role', 'equalto', 'user') | list | length }} {{ messages | rejectattr('role', 'equalto', 'user') | map(attribute='role') | join(',') }} {{ [0, 1, 2, 3] | select('odd') | list }} {{ [0, 1, '', 'a'] | select | list }} {{ [1, 2, 3] | reject('even') | list }} {{ messages | selectattr('missing', 'undefined') | list | length }} {{ messages | map(attribute='role') | list }} {{ [' a ', 'b '] | map('trim') | join('|') }}",
    "filters_convert": "{{ '42' | int }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ true | int }} {{ '2.5' | float }} {{ 'nan!' | float }} {{ 5 | float }} {{ 12 | string }} {{ [1] | string }} {{ -3 | abs }} {{ 2.567 | round(2) }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.1 | round(0, 'ceil') }} {{ 'ff' | int(0, 16) }}",
    "filters_items": "{% for k, v in {'x': 1, 'y': [2]} | items %}{{ k }}:{{ v }} {% endfor %}{{ {'a': 1} | items | list }}",
    "filter_tojson": "{{ messages | tojson }}\n{{ {'a': [1, 2.5, none, true, 'é\"\\n<>&'], 'b': {}, 'c': []} | tojson }}\n{{ {'z': 1, 'a': {'b': [1, {}]}} | tojson(indent=2) }}\n{{ {'z': 1, 'a': 2} | tojson(sort_keys=true) }}\n{{ 'x' | tojson }} {{ 1.0 | tojson }} {{ 'ctl\\x01' | tojson }}",
    "filter_indent": "{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(2, blank=true) }}|{{ 'x\\ny' | indent('> ') }}",
    "string_methods": "{{ '  s  '.strip() }}|{{ 'xxsxx'.strip('x') }}|{{ '  s  '.lstrip() }}|{{ '  s  '.rstrip() }}|{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith('bc') }} {{ 'abc'.startswith(('x', 'a')) }}|{{ 'a b  c'.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ '  lead trail  '.split() }}|{{ 'Hi'.upper() }} {{ 'Hi'.lower() }} {{ 'hello wORLD'.title() }} {{ 'they\\'re'.title() }} {{ 'abc'.capitalize() }}|{{ 'aXa'.replace('a', 'bb') }} {{ 'abc'.find('c') }} {{ 'aaa'.count('a') }} {{ '-'.join(['a', 'b']) }}",
    "dict_methods": "{% set d = {'a': 1, 'b': 'two'} %}{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 'dflt') }} {{ d.items() | list }} {{ d.keys() | list }} {{ d.values() | list }} {{ d['b'] }} {{ d.b }}",
    "range": "{{ range(3) | list }} {{ range(1, 4) | list }} {{ range(10, 0, -3) | list }} {{ range(0) | list }} {% for i in range(2, 5) %}{{ i }}{% endfor %}",
    "dict_global": "{{ dict(a=1, b='x') }} {{ namespace(a=1).a }}",
    "raise_exception": "{% if messages | length > 100 %}ok{% else %}{{ raise_exception('Too few messages: ' ~ messages | length) }}{% endif %}",
    "generation_block": "{% for m in messages %}{% generation %}<{{ m.role }}>{% endgeneration %}{% endfor %}",
    "undefined_output": "[{{ nothing }}][{{ nothing | default('') }}][{{ messages[0].nothing }}][{{ nothing ~ 'x' }}]",
    "filter_precedence": "{{ -1 | abs }} {{ 'a' + 'b' | upper }} {{ ('a' + 'b') | upper }} {{ not true | string }} {{ [1, 2] | length * 2 }}",
    "bos_eos_flags": "{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ tools }}|{{ tool_choice is none }}",
    "string_repr_in_list": "{{ ['it\\'s', 'say \"hi\"', 'both \\' \"', 'nl\\n', 'tab\\t', '\\\\'] }}",
    "loop_in_set_scope": "{% for m in messages %}{% set role = m.role | upper %}{{ role }}{% endfor %}[{{ role }}]",
    "test_bare_arguments": "{{ 6 is divisibleby 3 }} {{ 'a' is in 'cat' }} {{ 1 is sameas 1 }} {{ none is sameas none }}",
    "chained_filters_and_methods": "{{ messages | map(attribute='content') | map('trim') | map('upper') | join(' / ') }} {{ (messages | first).content.strip().split() | length }}",
    "macro_basic": "{% macro m(a, b='d') %}{{ a }}-{{ b }}{% endmacro %}{{ m(1) }} {{ m(1, 2) }} {{ m(b=3, a=4) }} {{ m() }}|{{ m(1) | length }}",
    "macro_scope": "{% set g = 1 %}{% macro m() %}[{{ g }}|{{ h }}|{{ x }}]{% set y = 1 %}{% endmacro %}{% set h = 2 %}{% for x in [5] %}{{ m() }}{% endfor %}{{ y }}",
    "macro_recursion": "{% macro count(n) %}{% if n > 0 %}{{ n }},{{ count(n - 1) }}{% endif %}{% endmacro %}{{ count(5) }}",
    "macro_render_value": "{%- macro render(value) -%}\n{%- if value is mapping -%}\n{ {%- for k, v in value.items() %}{{ k }}={{ render(v) }}{% if not loop.last %}, {% endif %}{% endfor -%} }\n{%- elif value is string -%}\n'{{ value }}'\n{%- elif value is iterable -%}\n[{%- for item in value %}{{ render(item) }}{{ ', ' if not loop.last }}{% endfor -%}]\n{%- else -%}\n{{ value | tojson }}\n{%- endif -%}\n{%- endmacro -%}\n{{ render({'a': [1, 'x', {'b': none}], 'c': true}) }}\n{% for m in messages %}{{ render(m) }}\n{% endfor %}",
    "macro_defaults_see_params": "{% macro m(a, b=a ~ '!') %}{{ b }}{% endmacro %}{{ m('hi') }}",
    "macro_in_loop_scope": "{% for i in [1] %}{% macro m() %}in{% endmacro %}{{ m() }}{% endfor %}",
    "whitespace_lines": "{% for m in messages %}\n  {% if m.role == 'user' %}\n    U: {{ m.content }}\n  {% else %}\n    O: {{ m.content }}\n  {% endif %}\n{% endfor %}\n",
}

# Templates that must fail (the C++ side must fail too).
ERROR_CONSTRUCTS = {
    "error_unclosed_if": "{% if true %}x",
    "error_unclosed_for": "{% for x in y %}x{% if z %}{% endif %}",
    "error_unclosed_var": "{{ x ",
    "error_unclosed_comment": "{# never closed",
    "error_unclosed_string": "{{ 'abc }}",
    "error_unknown_filter": "{{ x | frobnicate }}",
    "error_unknown_test": "{{ x is frobnicated }}",
    "error_stray_endif": "{% endif %}",
    "error_unknown_tag": "{% frobnicate %}",
    "error_bad_operator": "{{ 1 + }}",
    "error_undefined_attribute_of_undefined": "{{ nothing.attribute }}",
    "error_type_concat": "{{ 'a' + 1 }}",
    "error_division_by_zero": "{{ 1 / 0 }}",
    "error_not_iterable": "{% for x in 5 %}{% endfor %}",
    "error_unknown_function": "{{ nothing_here() }}",
    "error_range_too_big": "{{ range(1000000) | length }}",
    "error_order_mixed": "{{ 1 < 'a' }}",
    "error_unpack_count": "{% for a, b in [[1, 2, 3]] %}{% endfor %}",
    "error_set_attribute_non_namespace": "{% set d = {} %}{% set d.x = 1 %}",
    "error_raise_in_loop": "{% for m in messages %}{% if loop.index == 2 %}{{ raise_exception('second message: ' + m.role) }}{% endif %}{% endfor %}",
    "error_break_outside_loop": "{% break %}",
    "error_mismatched_bracket": "{{ (1 ] }}",
    "error_tojson_undefined": "{{ nothing | tojson }}",
    "error_macro_too_many_args": "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}",
    "error_macro_unknown_kwarg": "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(c=2) }}",
    "error_macro_used_before_definition": "{{ m() }}{% macro m() %}late{% endmacro %}",
    "error_macro_out_of_loop_scope": "{% for i in [1] %}{% macro m() %}in{% endmacro %}{% endfor %}{{ m() }}",
    "error_unclosed_macro": "{% macro m() %}body",
}


# ---- model-style templates ------------------------------------------------------------------

LLAMA3_STYLE = """{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message + builtin tools #}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{%- if builtin_tools is defined or tools is not none %}
    {{- "Environment: ipython\\n" }}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\\n" }}
{{- "Today Date: " + date_string + "\\n\\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions." }}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
    {%- else %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\\n\\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
"""

QWEN25_STYLE = """{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\\n\\n# Tools\\n\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
    {%- else %}
        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\\n<tool_call>\\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- message.content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
"""

MISTRAL_STYLE = """{%- if messages[0]["role"] == "system" %}
    {%- set system_message = messages[0]["content"] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}
{%- set user_messages = loop_messages | selectattr("role", "equalto", "user") | list %}

{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}
{%- set ns = namespace() %}
{%- set ns.index = 0 %}
{%- for message in loop_messages %}
    {%- if not (message.role == "tool" or message.role == "tool_results" or (message.tool_calls is defined and message.tool_calls is not none)) %}
        {%- if (message["role"] == "user") != (ns.index % 2 == 0) %}
            {{- raise_exception("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...") }}
        {%- endif %}
        {%- set ns.index = ns.index + 1 %}
    {%- endif %}
{%- endfor %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message["role"] == "user" %}
        {%- if tools is not none and (message == user_messages[-1]) %}
            {{- "[AVAILABLE_TOOLS] [" }}
            {{- "[/AVAILABLE_TOOLS]" }}
        {%- endif %}
        {%- if loop.last and system_message is defined %}
            {{- "[INST] " + system_message + "\\n\\n" + message["content"] + "[/INST]" }}
        {%- else %}
            {{- "[INST] " + message["content"] + "[/INST]" }}
        {%- endif %}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- else %}
        {{- raise_exception("Only user and assistant roles are supported, with the exception of an initial optional system message!") }}
    {%- endif %}
{%- endfor %}
"""

GEMMA_STYLE = """{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\n'}}
{%- endif -%}
"""

PHI3_STYLE = """{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>
' + message['content'] + '<|end|>
'}}{% elif message['role'] == 'user' %}{{'<|user|>
' + message['content'] + '<|end|>
'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>
' + message['content'] + '<|end|>
'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>
' }}{% else %}{{ eos_token }}{% endif %}"""

MODEL_TEMPLATES = {
    "llama3": LLAMA3_STYLE,
    "qwen25": QWEN25_STYLE,
    "mistral": MISTRAL_STYLE,
    "gemma": GEMMA_STYLE,
    "phi3": PHI3_STYLE,
}


# ---- random templates -----------------------------------------------------------------------

# ASCII only: hearth maps case (upper, lower, title) for ASCII letters only.
WORDS = ["a", "b", "hi", " x ", "A b", "user", "role", "", "  ", "\n", "1", "2.5", "x\ny"]
# Python-isms no template relies on are kept out of random templates: select/map/items return
# lazy generators in Jinja2 (printed as "<generator object ...>", never evaluated unless
# consumed), so they are always followed by | list; range() likewise.
RANDOM_CONVERSATIONS = [c for c in CONVERSATIONS
                        if all(m["content"].isascii() for m in c["messages"])]


class RandomTemplate:
    def __init__(self, rng):
        self.rng = rng
        self.loop_vars = []

    def literal(self):
        r = self.rng.random()
        if r < 0.3:
            return repr(self.rng.choice(WORDS)).replace("\\n", "\\n")
        if r < 0.55:
            return str(self.rng.randint(-5, 12))
        if r < 0.62:
            return self.rng.choice(["1.5", "0.25", "-2.0", "3e2"])
        if r < 0.72:
            return self.rng.choice(["true", "false", "none"])
        if r < 0.86:
            return "[" + ", ".join(self.literal() for _ in range(self.rng.randint(0, 3))) + "]"
        return "{" + ", ".join(f"{repr(self.rng.choice(['k', 'role', 'content', 'n']))}: {self.literal()}"
                               for _ in range(self.rng.randint(0, 2))) + "}"

    def atom(self, depth):
        r = self.rng.random()
        names = ["messages", "bos_token", "eos_token", "add_generation_prompt", "undefined_thing",
                 "ns.count", "ns.text"] + self.loop_vars
        if r < 0.35:
            return self.literal()
        if r < 0.6:
            return self.rng.choice(names)
        if r < 0.7:
            return f"messages[{self.rng.randint(-3, 3)}]"
        if r < 0.8:
            base = self.rng.choice(["messages[0]", "messages[-1]"] + self.loop_vars[-1:] * 3)
            field = self.rng.choice(["role", "content", "missing"])
            return f"{base}.{field}" if self.rng.random() < 0.5 else f"{base}['{field}']"
        if r < 0.85:
            return f"messages[{self.rng.choice(['1:', ':1', '::-1', '-2:'])}]"
        if r < 0.9:
            return f"(range({self.rng.randint(0, 4)}) | list)"
        return "(" + self.expr(depth + 1) + ")"

    def filtered(self, depth):
        value = self.atom(depth)
        for _ in range(self.rng.choice([0, 0, 1, 1, 2])):
            name = self.rng.choice([
                "trim", "upper", "lower", "length", "default('d')", "default('e', true)",
                "tojson", "join(',')", "replace('a', 'b')", "first", "last", "string", "int",
                "list", "title", "capitalize", "reverse | list", "abs", "indent(2)",
                "selectattr('role', 'equalto', 'user') | list", "map(attribute='role') | list",
                "items | list", "round(1)", "float", "count", "select('odd') | list",
                "rejectattr('role', 'defined') | list"])
            value = f"{value} | {name}"
        r = self.rng.random()
        if r < 0.15:
            test = self.rng.choice(["defined", "undefined", "none", "string", "number", "mapping",
                                    "iterable", "sequence", "even", "odd", "boolean", "integer",
                                    "divisibleby 2", "eq 'a'", "in ['a', 1]"])
            neg = "not " if self.rng.random() < 0.3 else ""
            value = f"({value} is {neg}{test})"
        elif r < 0.25:
            method = self.rng.choice(["strip()", "upper()", "lower()", "split()", "split('a')",
                                      "startswith('a')", "endswith('b')", "title()",
                                      "replace('a', 'c')", "get('role')", "items() | list", "keys() | list",
                                      "lstrip(' x')", "rstrip()"])
            value = f"({value}).{method}"
            if method.endswith("| list"):
                value = f"({value})"
        return value

    def expr(self, depth=0, conditional=False):
        if depth > 2:
            return self.atom(3)
        r = self.rng.random() * (1.0 if conditional else 0.95)
        if r < 0.45:
            return self.filtered(depth)
        if r < 0.65:
            op = self.rng.choice(["+", "-", "*", "//", "%", "~", "~", "/"])
            if op == "%":  # printf-style str % x is not supported: numbers only
                return f"{self.rng.randint(-9, 9)} % {self.rng.choice(['3', '-2', '2.5', 'ns.count'])}"
            return f"{self.filtered(depth)} {op} {self.expr(depth + 1)}"
        if r < 0.8:
            op = self.rng.choice(["==", "!=", "<", ">", "<=", ">=", "in", "not in"])
            return f"{self.filtered(depth)} {op} {self.expr(depth + 1)}"
        if r < 0.9:
            op = self.rng.choice(["and", "or"])
            return f"{self.filtered(depth)} {op} {self.expr(depth + 1)}"
        if r < 0.95:
            return f"(not {self.expr(depth + 1)})"
        return f"{self.filtered(depth)} if {self.expr(depth + 1)} else {self.expr(depth + 1, True)}"

    def ws(self):
        return self.rng.choice(["", "", " ", "\n", "  ", "\n  ", " \n", "\t"])

    def tag(self, body):
        left = self.rng.choice(["{%", "{%", "{%-", "{%+"])
        right = self.rng.choice(["%}", "%}", "-%}", "+%}"])
        return f"{left} {body} {right}"

    def out(self, body):
        left = self.rng.choice(["{{", "{{", "{{-"])
        right = self.rng.choice(["}}", "}}", "-}}"])
        return f"{left} {body} {right}"

    def block(self, depth):
        parts = []
        for _ in range(self.rng.randint(1, 3)):
            parts.append(self.ws())
            r = self.rng.random()
            if r < 0.25 or depth > 2:
                parts.append(self.rng.choice(["text", "<|im_start|>", "[INST]", "-", "x y"]))
                parts.append(self.ws())
                parts.append(self.out(self.expr(0, True)))
            elif r < 0.45:
                parts.append(self.tag(f"if {self.expr()}") + self.block(depth + 1))
                if self.rng.random() < 0.3:
                    parts.append(self.tag(f"elif {self.expr()}") + self.block(depth + 1))
                if self.rng.random() < 0.4:
                    parts.append(self.tag("else") + self.block(depth + 1))
                parts.append(self.tag("endif"))
            elif r < 0.65:
                var = f"v{depth}"
                iterable = self.rng.choice(["messages", "messages[1:]", "range(3)", "'ab'",
                                            "[1, 'x', none]", "{'a': 1, 'b': 2}", self.atom(2)])
                condition = f" if {self.expr(2)}" if self.rng.random() < 0.2 else ""
                self.loop_vars.append(var)
                body = self.block(depth + 1)
                if self.rng.random() < 0.3:
                    body += self.out(self.rng.choice(["loop.index", "loop.first", "loop.last",
                                                      "loop.length", "loop.revindex0",
                                                      "loop.previtem", "loop.nextitem"]))
                if self.rng.random() < 0.1:
                    body += self.tag(self.rng.choice(["break", "continue"]))
                self.loop_vars.pop()
                parts.append(self.tag(f"for {var} in {iterable}{condition}") + body)
                if self.rng.random() < 0.2:
                    parts.append(self.tag("else") + self.block(depth + 1))
                parts.append(self.tag("endfor"))
            elif r < 0.8:
                target = self.rng.choice(["s", "t", "ns.count", "ns.text"])
                parts.append(self.tag(f"set {target} = {self.expr(0, True)}"))
                parts.append(self.out(target))
            elif r < 0.88:
                parts.append("{# " + self.rng.choice(["c", "comment", ""]) + self.rng.choice([" #}", " -#}"]))
            else:
                parts.append(self.out(self.expr(0, True)))
        return "".join(parts)

    def template(self):
        prefix = "{% set ns = namespace(count=0, text='') %}" if self.rng.random() < 0.95 else ""
        return prefix + self.block(0) + self.rng.choice(["", "\n", "\n\n"])


def main():
    # Optional: SEED OUT_PATH, to try other random templates without touching the committed file.
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 20240611
    out = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else OUT
    rng = random.Random(seed)
    cases = []

    def add(name, source, contexts):
        for idx, context in enumerate(contexts):
            result = render(source, context)
            case = {"name": f"{name}#{idx}", "template": source,
                    "context": CONVERSATIONS.index(context)}
            case.update(result)
            cases.append(case)

    for name, source in builtin_templates().items():
        add(f"builtin/{name}", source, CONVERSATIONS)
    for name, source in CONSTRUCTS.items():
        add(f"construct/{name}", source, CONVERSATIONS[:2])
    for name, source in ERROR_CONSTRUCTS.items():
        add(f"construct/{name}", source, CONVERSATIONS[1:2])
    for name, source in MODEL_TEMPLATES.items():
        add(f"model/{name}", source, CONVERSATIONS)
    n_random = 3000
    for idx in range(n_random):
        source = RandomTemplate(rng).template()
        add(f"random/{idx}", source, [rng.choice(RANDOM_CONVERSATIONS)])

    for case in cases:
        if case["name"].startswith("construct/error_") and "error" not in case:
            raise SystemExit(f"{case['name']}: Jinja2 accepted an error case")
    # One case per line keeps diffs of the committed file readable.
    lines = [json.dumps(case, ensure_ascii=False) for case in cases]
    out.write_text('{"jinja2_version": ' + json.dumps(jinja2.__version__) + ',\n"contexts": ' +
                   json.dumps(CONVERSATIONS, ensure_ascii=False) + ',\n"cases": [\n' +
                   ",\n".join(lines) + "\n]}\n")
    n_errors = sum(1 for case in cases if "error" in case)
    if out == OUT:  # the hand-written templates also seed fuzz/fuzz_chat_template.cpp
        SEEDS.mkdir(parents=True, exist_ok=True)
        for path in SEEDS.glob("*.jinja"):
            path.unlink()
        sources = {**{f"builtin_{k}": v for k, v in builtin_templates().items()},
                   **{f"construct_{k}": v for k, v in {**CONSTRUCTS, **ERROR_CONSTRUCTS}.items()},
                   **{f"model_{k}": v for k, v in MODEL_TEMPLATES.items()}}
        for name, source in sources.items():
            (SEEDS / f"{name}.jinja").write_text(source)
    print(f"wrote {len(cases)} cases ({n_errors} errors) to {out}")


if __name__ == "__main__":
    main()
