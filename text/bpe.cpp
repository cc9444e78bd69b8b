#include "text/bpe.h"

#include <queue>

#include "text/byte_level.h"
#include "text/pretokenize.h"

namespace hearth::text {
namespace {

constexpr int32_t kMergedAway = -2;  // id of a symbol absorbed by its left neighbour

struct Symbol {
    int32_t id;    // token id; kNoToken for a byte without a token; kMergedAway once absorbed
    int32_t prev;  // -1 at the start
    int32_t next;  // -1 at the end
};

struct Candidate {
    int32_t rank;
    int32_t left;
    int32_t right;
    int32_t left_id;   // the ids the pair had when queued, to tell stale entries apart
    int32_t right_id;
    int32_t result;
};

// Lowest rank first; among equal ranks the leftmost pair.
struct CandidateOrder {
    bool operator()(const Candidate& lhs, const Candidate& rhs) const {
        return lhs.rank > rhs.rank || (lhs.rank == rhs.rank && lhs.left > rhs.left);
    }
};

}  // namespace

BpeEncoder::BpeEncoder(const Vocab& vocab) : vocab_(vocab) {
    for (uint32_t byte = 0; byte < 256; ++byte) {
        const auto id = vocab.find(byte_level::byte_to_utf8(static_cast<uint8_t>(byte)));
        byte_ids_[byte] = id ? *id : kNoToken;
    }
    const std::span<const Merge> merges = vocab.merges();
    merges_.reserve(merges.size());
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        // A repeated pair keeps its first (lowest) rank.
        merges_.emplace(pair_key(merges[rank].left, merges[rank].right),
                        MergeTarget{static_cast<int32_t>(rank), merges[rank].result});
    }
}

void BpeEncoder::encode(std::string_view text, bool /*segment_start*/,
                        std::vector<int32_t>& out) const {
    std::vector<std::string_view> words;
    pretokenize(vocab_.pre_tokenizer(), text, words);
    for (std::string_view word : words) encode_word(word, out);
}

void BpeEncoder::encode_word(std::string_view word, std::vector<int32_t>& out) const {
    if (vocab_.ignore_merges()) {
        const auto id = vocab_.find(byte_level::encode(word));
        if (id && vocab_.type(*id) != TokenType::kControl) {
            out.push_back(*id);
            return;
        }
    }

    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    for (size_t idx = 0; idx < word.size(); ++idx) {
        const auto self = static_cast<int32_t>(idx);
        symbols.push_back({byte_ids_[static_cast<uint8_t>(word[idx])], self - 1,
                           idx + 1 == word.size() ? -1 : self + 1});
    }

    std::priority_queue<Candidate, std::vector<Candidate>, CandidateOrder> queue;
    auto try_add = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const int32_t left_id = symbols[static_cast<size_t>(left)].id;
        const int32_t right_id = symbols[static_cast<size_t>(right)].id;
        if (left_id < 0 || right_id < 0) return;
        auto it = merges_.find(pair_key(left_id, right_id));
        if (it == merges_.end()) return;
        queue.push({it->second.rank, left, right, left_id, right_id, it->second.result});
    };
    for (size_t idx = 1; idx < symbols.size(); ++idx)
        try_add(static_cast<int32_t>(idx - 1), static_cast<int32_t>(idx));

    while (!queue.empty()) {
        const Candidate candidate = queue.top();
        queue.pop();
        Symbol& left = symbols[static_cast<size_t>(candidate.left)];
        Symbol& right = symbols[static_cast<size_t>(candidate.right)];
        // Token texts only grow as they merge, so equal ids and adjacency mean the pair is
        // still the one that was queued.
        if (left.id != candidate.left_id || right.id != candidate.right_id ||
            left.next != candidate.right)
            continue;
        left.id = candidate.result;
        right.id = kMergedAway;
        left.next = right.next;
        if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = candidate.left;
        try_add(left.prev, candidate.left);
        try_add(candidate.left, left.next);
    }

    for (int32_t idx = symbols.empty() ? -1 : 0; idx != -1;
         idx = symbols[static_cast<size_t>(idx)].next) {
        const int32_t id = symbols[static_cast<size_t>(idx)].id;
        if (id >= 0) out.push_back(id);
        else if (vocab_.unk_id() != kNoToken) out.push_back(vocab_.unk_id());
    }
}

}  // namespace hearth::text
