#include "tests/speech/word_error_rate.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace hearth::test {

std::vector<std::string> normalized_words(const std::string& text) {
    std::string clean;
    for (char ch : text) {
        const auto byte = static_cast<unsigned char>(ch);
        if (std::isalnum(byte) || ch == '\'') clean.push_back(static_cast<char>(std::tolower(byte)));
        else clean.push_back(' ');
    }
    std::istringstream in(clean);
    std::vector<std::string> words;
    for (std::string word; in >> word;) words.push_back(word);
    return words;
}

int word_errors(const std::string& reference, const std::string& hypothesis, int* words) {
    const auto ref = normalized_words(reference), hyp = normalized_words(hypothesis);
    if (words) *words = static_cast<int>(ref.size());
    std::vector<int> row(hyp.size() + 1), next(hyp.size() + 1);
    for (size_t j = 0; j <= hyp.size(); ++j) row[j] = static_cast<int>(j);
    for (size_t i = 1; i <= ref.size(); ++i) {
        next[0] = static_cast<int>(i);
        for (size_t j = 1; j <= hyp.size(); ++j)
            next[j] = std::min({row[j] + 1, next[j - 1] + 1, row[j - 1] + (ref[i - 1] == hyp[j - 1] ? 0 : 1)});
        row.swap(next);
    }
    return row[hyp.size()];
}

}  // namespace hearth::test
