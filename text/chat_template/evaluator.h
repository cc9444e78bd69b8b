// Runs a parsed chat template: walks the statements, evaluates expressions with Jinja2's
// semantics (Python truthiness, `and`/`or` returning operands, chained comparisons, a fresh scope
// per loop iteration so {% set %} inside a loop does not leak, namespace() to carry state out)
// and appends the output. Every step is charged against ChatTemplateLimits::max_work and every
// string, list and value nesting is checked against its limit.
// Throws TemplateError (kRender or kRaised); ChatTemplate::render() turns it into an Error.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "text/chat_template/ast.h"
#include "text/chat_template/limits.h"
#include "text/chat_template/value.h"

namespace hearth::text::jinja {

using Globals = std::vector<std::pair<std::string, Value>>;

std::string render(const NodeList& nodes, const Globals& globals, const ChatTemplateLimits& limits);

}  // namespace hearth::text::jinja
