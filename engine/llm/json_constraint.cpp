#include "engine/llm/json_constraint.h"

#include <algorithm>

#include "text/utf8.h"

namespace hearth::engine {
namespace {

bool is_json_space(char byte) {
    return byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r';
}

bool plain_string_content(std::string_view piece) {
    for (char ch : piece) {
        const auto byte = static_cast<unsigned char>(ch);
        if (byte == '"' || byte == '\\' || byte < 0x20) return false;
    }
    return text::utf8::is_valid(piece);
}

}  // namespace

JsonConstraint::JsonConstraint(const text::Tokenizer& tokenizer, Options options)
    : tokenizer_(tokenizer), options_(options), ids_by_first_byte_(256) {
    const int32_t n_vocab = tokenizer.n_vocab();
    pieces_.resize(static_cast<size_t>(n_vocab));
    kinds_.resize(static_cast<size_t>(n_vocab));
    plain_string_bitmap_.assign((static_cast<size_t>(n_vocab) + 63) / 64, 0);
    for (int32_t id = 0; id < n_vocab; ++id) {
        const std::string_view piece = tokenizer.piece(id, false);
        const size_t at = static_cast<size_t>(id);
        pieces_[at] = piece;
        if (tokenizer.is_end_of_generation(id)) {
            kinds_[at] = PieceKind::kEndOfGeneration;
            end_of_generation_ids_.push_back(id);
        } else if (piece.empty()) {
            kinds_[at] = PieceKind::kEmpty;
        } else {
            kinds_[at] = std::all_of(piece.begin(), piece.end(), is_json_space)
                             ? PieceKind::kWhitespace
                             : PieceKind::kText;
            ids_by_first_byte_[static_cast<unsigned char>(piece[0])].push_back(id);
            if (kinds_[at] == PieceKind::kWhitespace) whitespace_ids_.push_back(id);
            if (plain_string_content(piece)) {
                plain_string_bitmap_[at / 64] |= uint64_t{1} << (at % 64);
            } else {
                not_plain_ids_.push_back(id);
            }
        }
    }
}

void JsonConstraint::sync(std::span<const int32_t> history) {
    const int64_t generated = static_cast<int64_t>(history.size()) - options_.n_prompt_tokens;
    if (generated < n_seen_) {  // the sequence was rewound: start over
        state_ = text::JsonPrefix();
        failed_ = false;
        whitespace_run_ = 0;
        n_seen_ = 0;
    }
    for (; n_seen_ < generated; ++n_seen_) {
        append(history[static_cast<size_t>(options_.n_prompt_tokens + n_seen_)]);
    }
}

void JsonConstraint::append(int32_t id) {
    if (failed_ || id < 0 || id >= static_cast<int32_t>(kinds_.size())) return;
    for (char byte : pieces_[static_cast<size_t>(id)]) {
        const bool outside_string = !state_.in_string();
        if (!state_.push_byte(static_cast<unsigned char>(byte))) {
            failed_ = true;
            return;
        }
        whitespace_run_ = outside_string && is_json_space(byte) ? whitespace_run_ + 1 : 0;
    }
}

bool JsonConstraint::piece_allowed(int32_t id) const {
    text::JsonPrefix next = state_;
    return next.push(pieces_[static_cast<size_t>(id)]);
}

bool JsonConstraint::whitespace_allowed(int32_t id) const {
    if (kinds_[static_cast<size_t>(id)] != PieceKind::kWhitespace || state_.in_string())
        return true;
    return whitespace_run_ + static_cast<int64_t>(pieces_[static_cast<size_t>(id)].size()) <=
           options_.max_whitespace_run;
}

bool JsonConstraint::allows(int32_t id) const {
    if (id < 0 || id >= static_cast<int32_t>(kinds_.size())) return false;
    switch (kinds_[static_cast<size_t>(id)]) {
        case PieceKind::kEndOfGeneration:
            return failed_ || state_.complete();
        case PieceKind::kEmpty:
            return false;
        default:
            return !failed_ && !state_.complete() && piece_allowed(id) && whitespace_allowed(id);
    }
}

const std::vector<uint64_t>& JsonConstraint::allowed_bitmap() {
    auto found = cache_.find(state_);
    if (found != cache_.end()) {
        ++stats_.cache_hits;
        return found->second;
    }
    std::vector<uint64_t> bitmap((kinds_.size() + 63) / 64, 0);
    if (state_.in_string_body()) {
        bitmap = plain_string_bitmap_;
        for (int32_t id : not_plain_ids_) {
            if (piece_allowed(id)) bitmap[static_cast<size_t>(id) / 64] |= uint64_t{1} << (id % 64);
        }
        stats_.tokens_checked += not_plain_ids_.size();
    }
    for (int first = 0; first < 256 && !state_.in_string_body(); ++first) {
        const auto& ids = ids_by_first_byte_[static_cast<size_t>(first)];
        if (ids.empty()) continue;
        text::JsonPrefix after_first = state_;
        if (!after_first.push_byte(static_cast<unsigned char>(first))) continue;
        for (int32_t id : ids) {
            text::JsonPrefix next = after_first;
            if (next.push(pieces_[static_cast<size_t>(id)].substr(1))) {
                bitmap[static_cast<size_t>(id) / 64] |= uint64_t{1} << (id % 64);
            }
        }
        stats_.tokens_checked += ids.size();
    }
    if (cache_.size() >= options_.max_cached_states && !cache_order_.empty()) {
        cache_.erase(cache_order_.front());
        cache_order_.pop_front();
    }
    cache_order_.push_back(state_);
    return cache_.emplace(state_, std::move(bitmap)).first->second;
}

void JsonConstraint::keep_end_of_generation(Candidates& candidates) const {
    std::vector<Candidate> kept;
    for (const Candidate& item : candidates.items) {
        if (item.id >= 0 && item.id < static_cast<int32_t>(kinds_.size()) &&
            kinds_[static_cast<size_t>(item.id)] == PieceKind::kEndOfGeneration) {
            kept.push_back(item);
        }
    }
    if (kept.empty()) return;  // nothing can end the sequence here: leave the choice alone
    candidates.items = std::move(kept);
    candidates.sorted = false;
    candidates.normalized = false;
}

void JsonConstraint::filter_with_bitmap(Candidates& candidates,
                                        const std::vector<uint64_t>& bitmap) {
    // Whitespace pieces past the run limit come out of a copy of the bitmap.
    const std::vector<uint64_t>* effective = &bitmap;
    if (!state_.in_string() && whitespace_run_ > 0) {
        scratch_bitmap_ = bitmap;
        for (int32_t id : whitespace_ids_) {
            if (!whitespace_allowed(id)) {
                scratch_bitmap_[static_cast<size_t>(id) / 64] &= ~(uint64_t{1} << (id % 64));
            }
        }
        effective = &scratch_bitmap_;
    }
    // Branch-free compaction (which candidates survive is unpredictable); keeps the order.
    const uint64_t* bits = effective->data();
    const uint32_t n_vocab = static_cast<uint32_t>(kinds_.size());
    auto& items = candidates.items;
    size_t kept = 0;
    for (size_t idx = 0; idx < items.size(); ++idx) {
        const uint32_t id = static_cast<uint32_t>(items[idx].id);
        const uint64_t bit = id < n_vocab ? (bits[id / 64] >> (id % 64)) & 1u : 0u;
        items[kept] = items[idx];
        kept += bit;
    }
    items.resize(kept);
    candidates.normalized = false;
}

std::vector<Candidate> JsonConstraint::end_of_generation_candidates(
    const Candidates& candidates) const {
    std::vector<Candidate> out;
    const auto& items = candidates.items;
    for (int32_t id : end_of_generation_ids_) {
        // Candidates straight from the logits are indexed by id: look there first.
        const size_t at = static_cast<size_t>(id);
        if (at < items.size() && items[at].id == id) {
            out.push_back(items[at]);
            continue;
        }
        for (const Candidate& item : items) {
            if (item.id == id) out.push_back(item);
        }
    }
    return out;
}

void JsonConstraint::apply(Candidates& candidates, std::span<const int32_t> history) {
    ++stats_.applies;
    sync(history);
    if (failed_ || state_.complete()) {
        keep_end_of_generation(candidates);
        return;
    }
    std::vector<Candidate> end_candidates = end_of_generation_candidates(candidates);
    filter_with_bitmap(candidates, allowed_bitmap());
    if (candidates.items.empty()) {
        failed_ = true;  // no token continues the JSON: let the sequence end
        candidates.items = std::move(end_candidates);
        candidates.sorted = false;
    }
}

}  // namespace hearth::engine
