#!/usr/bin/python3
"""A small byte-level BPE trainer, enough to make a test vocabulary: counts pre-tokenized words
(GPT-2's regex) of a text, then repeatedly merges the most frequent adjacent pair. Ties go to the
pair that sorts first, so the result is deterministic."""
import collections

import bpe_tokenize


def train(text: str, n_merges: int, pre: str = "gpt2") -> list[tuple[str, str]]:
    words = collections.Counter(bpe_tokenize.to_byte_level(word)
                                for word in bpe_tokenize.pretokenize(text, pre))
    # Each distinct word as a list of its current parts, with its count.
    splits = [(list(word), count) for word, count in words.items()]
    merges = []
    for _ in range(n_merges):
        pair_counts = collections.Counter()
        for parts, count in splits:
            for idx in range(len(parts) - 1):
                pair_counts[(parts[idx], parts[idx + 1])] += count
        if not pair_counts:
            break
        best = min(pair_counts, key=lambda pair: (-pair_counts[pair], pair))
        merges.append(best)
        for parts, _ in splits:
            idx = 0
            while idx < len(parts) - 1:
                if (parts[idx], parts[idx + 1]) == best:
                    parts[idx:idx + 2] = [parts[idx] + parts[idx + 1]]
                idx += 1
    return merges
