"""Training data for the demo model: token streams of raw fortunes and of chats answered by a
fortune, packed into fixed windows.

Documents (token ids, see tokenizer.py):
  raw   <s> FORTUNE </s>                                  every train fortune, once per epoch
  chat  <s> [<|system|>S<|end|>] [<|user|>U1<|end|><|assistant|>F1<|end|>]
        <|user|>U<|end|><|assistant|>FORTUNE<|end|>
        CHATS_PER_FORTUNE chats per train fortune and epoch; U from prompts.txt, S (with
        probability P_SYSTEM) from system_prompts.txt, the earlier turn with probability
        P_TWO_TURNS; the fortunes of chats are drawn from those that leave the whole chat within
        the context.

An epoch's documents are shuffled and concatenated into one stream, which is cut into windows
of n_ctx + 1 tokens (inputs and next-token targets) from a random offset. Everything is a
function of (seed, epoch), so training can resume at any step and gives the same batches.
"""
from __future__ import annotations

import random
from typing import List, Sequence

import numpy as np

from tokenizer import (ASSISTANT_ID, BOS, END_ID, SYSTEM_ID, USER_ID, Tokenizer, system_prompts,
                       user_prompts)

CHATS_PER_FORTUNE = 0.5
P_SYSTEM = 0.25
P_TWO_TURNS = 0.2


class EpochData:
    def __init__(self, tokenizer: Tokenizer, fortunes: Sequence[str], n_ctx: int, seed: int):
        self.n_ctx = n_ctx
        self.seed = seed
        self.raw_docs = [tokenizer.raw_ids(text) for text in fortunes]
        self.fortune_ids = [tokenizer.encode(text) for text in fortunes]
        self.user_ids = [tokenizer.encode(text) for text in user_prompts()]
        self.system_ids = [tokenizer.encode(text) for text in system_prompts()]
        # Chats must fit n_ctx + 1 tokens with two turns and a system message, roughly: keep the
        # fortunes of at most 40% of the context for answers.
        self.chat_fortunes = [ids for ids in self.fortune_ids if len(ids) <= int(0.4 * n_ctx)]

    def chat_doc(self, rng: random.Random) -> List[int]:
        ids = [BOS]
        if rng.random() < P_SYSTEM:
            ids += [SYSTEM_ID] + rng.choice(self.system_ids) + [END_ID]
        if rng.random() < P_TWO_TURNS:
            ids += [USER_ID] + rng.choice(self.user_ids) + [END_ID]
            ids += [ASSISTANT_ID] + rng.choice(self.chat_fortunes) + [END_ID]
        ids += [USER_ID] + rng.choice(self.user_ids) + [END_ID]
        ids += [ASSISTANT_ID] + rng.choice(self.chat_fortunes) + [END_ID]
        return ids

    def windows(self, epoch: int) -> np.ndarray:
        """(n_windows, n_ctx + 1) int64 token windows of one epoch, in training order."""
        rng = random.Random(self.seed * 1_000_003 + epoch)
        docs = list(self.raw_docs)
        docs += [self.chat_doc(rng) for _ in range(int(CHATS_PER_FORTUNE * len(self.raw_docs)))]
        rng.shuffle(docs)
        stream = np.fromiter((token for doc in docs for token in doc), dtype=np.int64)
        offset = rng.randrange(self.n_ctx)
        n_windows = (len(stream) - offset - 1) // self.n_ctx
        starts = offset + self.n_ctx * np.arange(n_windows)
        windows = np.stack([stream[start:start + self.n_ctx + 1] for start in starts])
        order = np.random.default_rng(self.seed * 7919 + epoch).permutation(n_windows)
        return windows[order]


def packed_windows(docs: Sequence[Sequence[int]], n_ctx: int) -> np.ndarray:
    """Documents concatenated in order and cut into windows of n_ctx + 1 tokens from offset 0
    (the evaluation's fixed view of a set of documents)."""
    stream = np.fromiter((token for doc in docs for token in doc), dtype=np.int64)
    n_windows = (len(stream) - 1) // n_ctx
    return np.stack([stream[idx * n_ctx: idx * n_ctx + n_ctx + 1] for idx in range(n_windows)])
