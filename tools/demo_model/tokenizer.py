#!/usr/bin/python3
"""The demo model's tokenizer: a SentencePiece BPE vocabulary trained with python3-sentencepiece,
and the exact token ids Hearth gives the texts the model is trained on.

    tokenizer.py CORPUS_DIR OUT.model       # trains on CORPUS_DIR/train.json + the chat prompts

Vocabulary: VOCAB_SIZE pieces. Ids 0-2 are <unk>, <s> (BOS), </s> (EOS); 3-6 the chat control
tokens <|system|>, <|user|>, <|assistant|>, <|end|>; then the 256 byte-fallback tokens
<0x00>..<0xFF>; then the learned pieces. Text is not normalized (identity rule, blanks kept as
they are) and no space is put before a text (add_dummy_prefix off; in the GGUF
tokenizer.ggml.add_space_prefix = false), so the ids of a text are the same whether it starts a
prompt or follows a control token. The tab character is not a piece: it is the byte token <0x09>.

Chat format (the GGUF's tokenizer.chat_template renders it):

    <s><|system|>SYSTEM<|end|><|user|>MESSAGE<|end|><|assistant|>FORTUNE<|end|>

Hearth tokenizes a rendered prompt by cutting it at control-token texts and encoding each piece
of text on its own; chat_ids() below does the same, so training sees the ids Hearth will feed.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Iterable, List, Sequence, Tuple

import sentencepiece as spm

VOCAB_SIZE = 4096
UNK, BOS, EOS = 0, 1, 2
CONTROL_TOKENS = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
SYSTEM_ID, USER_ID, ASSISTANT_ID, END_ID = 3, 4, 5, 6
ROLE_IDS = {"system": SYSTEM_ID, "user": USER_ID, "assistant": ASSISTANT_ID}

# tokenizer.chat_template: only a for loop, an if, {{ }} output, string +, bos_token and
# add_generation_prompt. A message of role R is <|R|>CONTENT<|end|>.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>' + message['content'] + '<|end|>' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}"
)

HERE = pathlib.Path(__file__).resolve().parent
PROMPTS_FILE = HERE / "prompts.txt"
SYSTEM_PROMPTS_FILE = HERE / "system_prompts.txt"


def read_lines(path: pathlib.Path) -> List[str]:
    """Non-empty lines that are not '#' comments."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def user_prompts() -> List[str]:
    return read_lines(PROMPTS_FILE)


def system_prompts() -> List[str]:
    return read_lines(SYSTEM_PROMPTS_FILE)


def train(texts: Iterable[str], out_path: pathlib.Path, vocab_size: int = VOCAB_SIZE) -> None:
    """Trains the BPE vocabulary (deterministic: sentencepiece's BPE trainer has no sampling
    when the input is smaller than input_sentence_size)."""
    texts = list(texts)
    model = spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_prefix=str(out_path.with_suffix("")),
        model_type="bpe",
        vocab_size=vocab_size,
        byte_fallback=True,
        character_coverage=0.9999,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        add_dummy_prefix=False,
        split_digits=True,
        control_symbols=CONTROL_TOKENS,
        unk_id=UNK, bos_id=BOS, eos_id=EOS, pad_id=-1,
        max_sentence_length=8192,
        input_sentence_size=len(texts) + 1,
        shuffle_input_sentence=False,
        num_threads=2,
        minloglevel=2,
    )
    del model


class Tokenizer:
    def __init__(self, model_path: pathlib.Path):
        self.sp = spm.SentencePieceProcessor(model_file=str(model_path))
        for text, expected in zip(["<unk>", "<s>", "</s>"] + CONTROL_TOKENS, range(7)):
            if self.sp.piece_to_id(text) != expected:
                raise SystemExit(f"tokenizer: {text} has id {self.sp.piece_to_id(text)}, "
                                 f"expected {expected}")

    @property
    def n_vocab(self) -> int:
        return self.sp.get_piece_size()

    def encode(self, text: str) -> List[int]:
        """A piece of text (no control tokens): exactly Hearth's ids for it."""
        return self.sp.encode(text) if text else []

    def decode(self, ids: Sequence[int]) -> str:
        return self.sp.decode([token for token in ids if token >= 7])

    def raw_ids(self, text: str) -> List[int]:
        """A training document for plain completion: <s> TEXT </s>."""
        return [BOS] + self.encode(text) + [EOS]

    def chat_ids(self, messages: Sequence[Tuple[str, str]], add_generation_prompt: bool) -> List[int]:
        """What Hearth feeds for CHAT_TEMPLATE rendered on (role, content) messages."""
        ids = [BOS]
        for role, content in messages:
            ids += [ROLE_IDS[role]] + self.encode(content) + [END_ID]
        if add_generation_prompt:
            ids.append(ASSISTANT_ID)
        return ids

    def vocabulary(self):
        """(token texts, scores, GGUF token types) in id order."""
        tokens, scores, types = [], [], []
        for token_id in range(self.n_vocab):
            tokens.append(self.sp.id_to_piece(token_id))
            scores.append(self.sp.get_score(token_id))
            if self.sp.is_unknown(token_id):
                types.append(2)
            elif self.sp.is_control(token_id):
                types.append(3)
            elif self.sp.is_byte(token_id):
                types.append(6)
            elif self.sp.is_unused(token_id):
                types.append(5)
            else:
                types.append(1)
        return tokens, scores, types


def main(argv: Sequence[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus_dir", type=pathlib.Path)
    parser.add_argument("out", type=pathlib.Path, help="OUT.model (sentencepiece model file)")
    parser.add_argument("--vocab-size", type=int, default=VOCAB_SIZE)
    args = parser.parse_args(argv)
    fortunes = json.loads((args.corpus_dir / "train.json").read_text(encoding="utf-8"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    train(fortunes + user_prompts() + system_prompts(), args.out, args.vocab_size)
    tokenizer = Tokenizer(args.out)
    n_tokens = sum(len(tokenizer.encode(text)) for text in fortunes)
    n_chars = sum(len(text) for text in fortunes)
    print(f"tokenizer: {tokenizer.n_vocab} pieces; train fortunes: {n_tokens} tokens "
          f"({n_chars / n_tokens:.2f} characters per token)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
