#!/usr/bin/python3
"""Generates the tokenizer test data in tests/text/data/ (run with Debian's /usr/bin/python3,
which has python3-sentencepiece and python3-regex; scripts/setup.sh installs both):

  spm.json   a SentencePiece BPE model trained with python3-sentencepiece on the GPL-3 text
             (/usr/share/common-licenses/GPL-3, on every Debian machine): its pieces, scores and
             types, and sentencepiece's own encodings of the test strings.
  bpe.json   a byte-level BPE vocabulary trained on the same text by tools/reference/bpe_train.py,
             and the ids that tools/reference/bpe_tokenize.py (python3-regex with the original
             regexes) gives for the test strings under the gpt2, llama3 and qwen2 pre-tokenizers,
             plus the pre-token splits of extra random strings.

Special tokens. sentencepiece never parses control pieces from text, and GGUF runtimes put the
add_space_prefix space at the start of every text segment (after each special token), so cases
with parse_special or with a user-defined token are built from sentencepiece's encodings of each
segment, with the special ids between them; "rule" says which way a case was made.

The outputs are committed; the C++ tests (tests/text/) read them. Regenerating gives the same
files on the same Debian release (training is single-threaded and deterministic).
"""
import json
import pathlib
import random
import sys

import sentencepiece

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "reference"))
import bpe_tokenize  # noqa: E402
import bpe_train  # noqa: E402

CORPUS = pathlib.Path("/usr/share/common-licenses/GPL-3")
OUT = ROOT / "tests" / "text" / "data"

# GGUF token types (same numbering as sentencepiece's ModelProto.SentencePiece.Type).
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6

SPM_VOCAB_SIZE = 1200
SPM_CONTROL = ["<|im_start|>", "<|im_end|>"]
SPM_USER_DEFINED = ["<|sep|>"]

BPE_MERGES = 400
BPE_CONTROL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
BPE_USER_DEFINED = ["<|sep|>"]
# Normal tokens no merge produces: with ignore_merges (Llama 3) a pre-token equal to one of them
# is emitted whole; otherwise BPE splits it.
BPE_EXTRA_WORDS = ["Ġredistribution", "Ġsoftware,", "Ġzyzzyva", "123"]

TEXTS = [
    "",
    " ",
    "  ",
    "   ",
    "\t",
    "\n",
    "\n\n",
    "\n\n\n",
    "\t\n",
    "Hello world",
    " Hello world",
    "Hello World",
    " Hello World!",
    "Hello, world!",
    "Hello  world",
    "  leading spaces",
    "trailing spaces  ",
    "   Hello\n    Hello",
    "line one\nline two\r\nline three\n",
    "a \t\n b",
    "This program is free software: you can redistribute it and/or modify it under the terms "
    "of the GNU General Public License as published by the Free Software Foundation.",
    "THE PROGRAM IS PROVIDED \"AS IS\" WITHOUT WARRANTY OF ANY KIND.",
    "1 12 123 1234 12345 123456 3.14159",
    "2024-01-01, version 3 (2007), section 7b",
    "3333333",
    "a zyzzyva: redistribution software, 123 times",
    "it's we've they're I'm you'll he'd don't",
    "IT'S WE'VE THEY'RE I'M YOU'LL HE'D DON'T",
    "I'LL it'S 'll 's",
    "Hello, world! (test) [x] {y} <z>",
    "...???!!!",
    "a--b__c==d",
    "def f(x):\n    return x * 2\n",
    "    indented\n\tand tabbed",
    "if (a && b) { return; }",
    "aaaaaaaaaaaaaaaaaaaa",
    "                    ",
    "\n\n\n\n    x",
    "Führer",
    "naïve café",
    "нещо на Български",
    "日本語のテキスト",
    "中文",
    "ελληνικά",
    "שלום",
    "عربي",
    "मानक हिन्दी",
    "🦙",
    "emoji 😀👍🏽 mix",
    "🚀 (normal) 😶‍🌫️ (multiple emojis concatenated) ✅",
    "w048 7tuijk dsdfhu",
    "nbsp\u00a0and\u3000ideographic\u2009thin",
    "numbers ² Ⅻ ٣٤٥ ①",
    "e\u0301 combining",
    "long s: it'ſ",
    "\u2028line separator",
    "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
    "<s>Hello</s>",
    "a<|im_end|>b",
    "<|im_start|><|im_end|>",
    "<|endoftext|>",
    "x <|sep|> y",
    "<|sep|>start",
    "end<|sep|>",
]

# Character pools for random pre-tokenizer strings: every class the regexes distinguish.
RANDOM_POOL = (
    list("abcXYZ") + ["é", "ß", "Ж", "ж", "中", "ﬁ", "ſ"]   # letters
    + list("0129") + ["²", "Ⅻ", "٣", "①"]                  # numbers
    + [" ", " ", " ", "\t", "\n", "\r", "\u000b", "\u000c", "\u0085", "\u00a0", "\u2009",
       "\u3000", "\u2028", "\u001c"]                          # whitespace (and U+001C, not)
    + list("'.,!?-_()\"") + ["\u0301", "😀", "🦙", "€"]      # other
    + ["'s", "'S", "'ll", "'LL", "'re", "'Ve", "'d", "'M", "'t"]
)
N_RANDOM = 200


def read_corpus() -> str:
    return CORPUS.read_text(encoding="utf-8")


# --- SentencePiece --------------------------------------------------------------------------


def train_spm(corpus: str) -> sentencepiece.SentencePieceProcessor:
    import io
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(line for line in corpus.splitlines() if line.strip()),
        model_writer=model,
        model_type="bpe",
        vocab_size=SPM_VOCAB_SIZE,
        byte_fallback=True,
        character_coverage=0.9995,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        add_dummy_prefix=True,
        split_digits=True,
        allow_whitespace_only_pieces=True,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        control_symbols=SPM_CONTROL,
        user_defined_symbols=SPM_USER_DEFINED,
        num_threads=1,
        minloglevel=2,
    )
    return sentencepiece.SentencePieceProcessor(model_proto=model.getvalue())


def spm_type(processor, piece_id: int) -> int:
    if processor.IsUnknown(piece_id):
        return UNKNOWN
    if processor.IsControl(piece_id):
        return CONTROL
    if processor.IsUnused(piece_id):
        return UNUSED
    if processor.IsByte(piece_id):
        return BYTE
    if processor.IdToPiece(piece_id) in SPM_USER_DEFINED:
        return USER_DEFINED
    return NORMAL


def spm_data(corpus: str) -> dict:
    processor = train_spm(corpus)
    size = processor.GetPieceSize()
    tokens = [processor.IdToPiece(idx) for idx in range(size)]
    types = [spm_type(processor, idx) for idx in range(size)]
    specials = [(tokens[idx], idx) for idx in range(size) if types[idx] in (CONTROL, USER_DEFINED)]
    controls = [tokens[idx] for idx in range(size) if types[idx] == CONTROL]

    def by_segments(text: str, parse_special: bool) -> list[int]:
        chosen = [(special_text, idx) for special_text, idx in specials
                  if parse_special or types[idx] == USER_DEFINED]
        out = []
        for fragment in bpe_tokenize.split_special(text, chosen):
            if isinstance(fragment, int):
                out.append(fragment)
            else:
                out.extend(processor.EncodeAsIds(fragment))
        return out

    cases = []
    for text in TEXTS:
        has_user_defined = any(name in text for name in SPM_USER_DEFINED)
        has_control = any(name in text for name in controls)
        if has_user_defined:
            cases.append({"text": text, "parse_special": False, "rule": "segments",
                          "ids": by_segments(text, False)})
        else:
            ids = processor.EncodeAsIds(text)
            # Round trip through sentencepiece itself, as a check on the setup.
            assert processor.DecodeIds(ids) == text, (text, processor.DecodeIds(ids))
            cases.append({"text": text, "parse_special": False, "rule": "sentencepiece",
                          "ids": ids})
        if has_control:
            cases.append({"text": text, "parse_special": True, "rule": "segments",
                          "ids": by_segments(text, True)})
    n_byte_fallback = sum(1 for case in cases for idx in case["ids"] if types[idx] == BYTE)
    assert n_byte_fallback > 0, "the cases should exercise byte fallback"
    return {
        "description": "SentencePiece BPE trained by tools/gen_tokenizer_testdata.py on GPL-3",
        "model": "llama",
        "tokens": tokens,
        "scores": [processor.GetScore(idx) for idx in range(size)],
        "token_types": types,
        "unk_id": processor.unk_id(),
        "bos_id": processor.bos_id(),
        "eos_id": processor.eos_id(),
        "cases": cases,
    }


# --- Byte-level BPE -------------------------------------------------------------------------


def bpe_vocab(corpus: str) -> tuple[list[str], list[int], list[str]]:
    merges = bpe_train.train(corpus, BPE_MERGES)
    tokens = [bpe_tokenize.BYTE_TO_CHAR[byte] for byte in bpe_tokenize.byte_order()]
    tokens += [left + right for left, right in merges]
    assert len(set(tokens)) == len(tokens)
    tokens += [word for word in BPE_EXTRA_WORDS if word not in tokens]
    types = [NORMAL] * len(tokens)
    for name in BPE_CONTROL:
        tokens.append(name)
        types.append(CONTROL)
    for name in BPE_USER_DEFINED:
        tokens.append(name)
        types.append(USER_DEFINED)
    return tokens, types, [f"{left} {right}" for left, right in merges]


def random_strings() -> list[str]:
    rng = random.Random(20240501)
    return ["".join(rng.choice(RANDOM_POOL) for _ in range(rng.randint(0, 24)))
            for _ in range(N_RANDOM)]


def bpe_data(corpus: str) -> dict:
    tokens, types, merges = bpe_vocab(corpus)
    pre_tokenizers = []
    for pre, gguf_name, ignore_merges in [("gpt2", "gpt-2", False), ("llama3", "llama-bpe", True),
                                          ("qwen2", "qwen2", False)]:
        reference = bpe_tokenize.Tokenizer(tokens, types, merges, pre, ignore_merges)
        cases = []
        for text in TEXTS:
            cases.append({"text": text, "parse_special": False,
                          "ids": reference.encode(text, parse_special=False),
                          "pieces": bpe_tokenize.pretokenize(text, pre)})
            if any(name in text for name in BPE_CONTROL):
                cases.append({"text": text, "parse_special": True,
                              "ids": reference.encode(text, parse_special=True)})
        splits = [{"text": text, "pieces": bpe_tokenize.pretokenize(text, pre)}
                  for text in random_strings()]
        pre_tokenizers.append({"pre": pre, "gguf_pre": gguf_name, "ignore_merges": ignore_merges,
                               "cases": cases, "random_splits": splits})
    return {
        "description": "byte-level BPE trained by tools/reference/bpe_train.py on GPL-3; ids from "
                       "tools/reference/bpe_tokenize.py",
        "model": "gpt2",
        "tokens": tokens,
        "token_types": types,
        "merges": merges,
        "eos_id": tokens.index("<|endoftext|>"),
        "pre_tokenizers": pre_tokenizers,
    }


def write(name: str, data: dict) -> None:
    path = OUT / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":")) + "\n",
                    encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    corpus = read_corpus()
    write("spm.json", spm_data(corpus))
    write("bpe.json", bpe_data(corpus))
    return 0


if __name__ == "__main__":
    sys.exit(main())
