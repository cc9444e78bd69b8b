#include "text/special_tokens.h"

#include <algorithm>

namespace hearth::text {

SpecialTokenSplitter::SpecialTokenSplitter(const Vocab& vocab) {
    for (int32_t id = 0; id < vocab.n_tokens(); ++id) {
        const TokenType type = vocab.type(id);
        if (type != TokenType::kControl && type != TokenType::kUserDefined &&
            type != TokenType::kUnknown)
            continue;
        if (vocab.text(id).empty()) continue;
        specials_.push_back({id, vocab.text(id), type == TokenType::kUserDefined});
    }
    std::stable_sort(
        specials_.begin(), specials_.end(),
        [](const Special& lhs, const Special& rhs) { return lhs.text.size() > rhs.text.size(); });
}

std::vector<SpecialTokenSplitter::Fragment> SpecialTokenSplitter::split(
        std::string_view text, bool parse_special) const {
    std::vector<Fragment> fragments;
    if (text.empty()) return fragments;
    fragments.push_back({kNoToken, text});
    std::vector<Fragment> next;
    for (const Special& special : specials_) {
        if (!parse_special && !special.always) continue;
        // A special absent from the whole input is absent from every fragment.
        if (text.find(special.text) == std::string_view::npos) continue;
        next.clear();
        for (const Fragment& fragment : fragments) {
            if (fragment.id != kNoToken) {
                next.push_back(fragment);
                continue;
            }
            std::string_view rest = fragment.text;
            for (size_t match = rest.find(special.text); match != std::string_view::npos;
                 match = rest.find(special.text)) {
                if (match > 0) next.push_back({kNoToken, rest.substr(0, match)});
                next.push_back({special.id, {}});
                rest.remove_prefix(match + special.text.size());
            }
            if (!rest.empty()) next.push_back({kNoToken, rest});
        }
        fragments.swap(next);
    }
    return fragments;
}

}  // namespace hearth::text
