// Word error rate: word-level edit distance between a reference and a hypothesis, divided by the
// reference's word count (lower case, punctuation dropped).
#pragma once

#include <string>
#include <vector>

namespace hearth::test {

std::vector<std::string> normalized_words(const std::string& text);
// Returns edits (substitutions + insertions + deletions); `words` gets the reference's word count.
int word_errors(const std::string& reference, const std::string& hypothesis, int* words);

}  // namespace hearth::test
