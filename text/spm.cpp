#include "text/spm.h"

#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>

#include "text/utf8.h"

namespace hearth::text {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // U+2581 '▁'

// A piece of the normalized text; merged-away pieces have length 0.
struct Symbol {
    uint32_t offset;
    uint32_t length;
    int32_t prev;  // -1 at the start
    int32_t next;  // -1 at the end
};

struct Bigram {
    float score;
    int32_t left;
    int32_t right;
    uint32_t length;  // bytes of the merged piece, to tell stale entries apart
};

// Highest score first; among equal scores the leftmost pair.
struct BigramOrder {
    bool operator()(const Bigram& lhs, const Bigram& rhs) const {
        return lhs.score < rhs.score || (lhs.score == rhs.score && lhs.left > rhs.left);
    }
};

bool is_mergeable(TokenType type) {
    return type == TokenType::kNormal || type == TokenType::kUserDefined ||
           type == TokenType::kUnused;
}

// One call's working state.
class Session {
public:
    Session(const Vocab& vocab, std::string normalized)
        : vocab_(vocab), text_(std::move(normalized)) {}

    void run(std::vector<int32_t>& out) {
        split_characters();
        for (size_t idx = 1; idx < symbols_.size(); ++idx)
            try_add_bigram(static_cast<int32_t>(idx - 1), static_cast<int32_t>(idx));
        while (!queue_.empty()) {
            const Bigram bigram = queue_.top();
            queue_.pop();
            Symbol& left = symbols_[static_cast<size_t>(bigram.left)];
            Symbol& right = symbols_[static_cast<size_t>(bigram.right)];
            if (left.length == 0 || right.length == 0 ||
                left.length + right.length != bigram.length)
                continue;  // one side was merged into something else since
            left.length += right.length;
            right.length = 0;
            left.next = right.next;
            if (right.next >= 0) symbols_[static_cast<size_t>(right.next)].prev = bigram.left;
            try_add_bigram(left.prev, bigram.left);
            try_add_bigram(bigram.left, left.next);
        }
        for (int32_t idx = symbols_.empty() ? -1 : 0; idx != -1;
             idx = symbols_[static_cast<size_t>(idx)].next) {
            const Symbol& symbol = symbols_[static_cast<size_t>(idx)];
            resegment(piece(symbol.offset, symbol.length), out);
        }
    }

private:
    std::string_view piece(uint32_t offset, uint32_t length) const {
        return std::string_view(text_).substr(offset, length);
    }

    std::optional<int32_t> mergeable_token(std::string_view text) const {
        const auto id = vocab_.find(text);
        if (!id || !is_mergeable(vocab_.type(*id))) return std::nullopt;
        return id;
    }

    void split_characters() {
        for (size_t offset = 0; offset < text_.size();) {
            const uint32_t length = utf8::decode(text_, offset).length;
            const auto idx = static_cast<int32_t>(symbols_.size());
            symbols_.push_back({static_cast<uint32_t>(offset), length, idx - 1,
                                offset + length == text_.size() ? -1 : idx + 1});
            offset += length;
        }
    }

    void try_add_bigram(int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const Symbol& left_symbol = symbols_[static_cast<size_t>(left)];
        const Symbol& right_symbol = symbols_[static_cast<size_t>(right)];
        const uint32_t length = left_symbol.length + right_symbol.length;
        const std::string_view text = piece(left_symbol.offset, length);
        const auto id = mergeable_token(text);
        if (!id) return;
        queue_.push({vocab_.score(*id), left, right, length});
        if (vocab_.type(*id) == TokenType::kUnused) {
            rev_merge_[text] = {piece(left_symbol.offset, left_symbol.length),
                                piece(right_symbol.offset, right_symbol.length)};
        }
    }

    // Emits a final piece. An unused token is split back into the two pieces it was merged from
    // (depth-first, left before right, with an explicit stack: chains can be long).
    void resegment(std::string_view text, std::vector<int32_t>& out) {
        std::vector<std::string_view> pending = {text};
        while (!pending.empty()) {
            const std::string_view current = pending.back();
            pending.pop_back();
            const auto id = mergeable_token(current);
            if (id && vocab_.type(*id) == TokenType::kUnused) {
                auto it = rev_merge_.find(current);
                if (it != rev_merge_.end()) {
                    pending.push_back(it->second.second);
                    pending.push_back(it->second.first);
                    continue;
                }
            }
            if (id) {
                out.push_back(*id);
                last_was_unknown_ = false;
            } else {
                emit_bytes(current, out);
            }
        }
    }

    void emit_bytes(std::string_view text, std::vector<int32_t>& out) {
        for (char ch : text) {
            const int32_t byte_id = vocab_.byte_token(static_cast<uint8_t>(ch));
            if (byte_id != kNoToken) {
                out.push_back(byte_id);
                last_was_unknown_ = false;
            } else if (!last_was_unknown_ && vocab_.unk_id() != kNoToken) {
                out.push_back(vocab_.unk_id());
                last_was_unknown_ = true;
            }
        }
    }

    const Vocab& vocab_;
    const std::string text_;
    std::vector<Symbol> symbols_;
    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
    std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>> rev_merge_;
    bool last_was_unknown_ = false;
};

}  // namespace

void SpmEncoder::encode(std::string_view text, bool segment_start,
                        std::vector<int32_t>& out) const {
    if (text.empty()) return;
    std::string normalized;
    normalized.reserve(text.size() + kSpaceSymbol.size() * 4);
    if (segment_start && vocab_.add_space_prefix()) normalized += kSpaceSymbol;
    for (char ch : text) {
        if (ch == ' ') normalized += kSpaceSymbol;
        else normalized += ch;
    }
    Session(vocab_, std::move(normalized)).run(out);
}

}  // namespace hearth::text
