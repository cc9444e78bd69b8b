#!/usr/bin/python3
"""Reference byte-level BPE tokenizer (GPT-2 / Llama 3 / Qwen2), written for clarity, not speed.

It is the independent implementation the C++ tokenizer (text/bpe.cpp, text/pretokenize.cpp) is
checked against: pre-tokenization uses python3-regex with the original regexes, and merging is
GPT-2's own loop (merge every occurrence of the lowest-ranked pair, repeat).

Needs Debian's python3-regex: /usr/bin/python3 (scripts/setup.sh installs it).
"""
import regex

# The pre-tokenizer regexes, exactly as the model families publish them.
PATTERNS = {
    "gpt2": r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
    "llama3": r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
    "qwen2": r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
}
_COMPILED = {name: regex.compile(pattern) for name, pattern in PATTERNS.items()}


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1))
                 + list(range(0xAE, 0xFF + 1)))
    table = {}
    extra = 0
    for byte in range(256):
        if byte in printable:
            table[byte] = chr(byte)
        else:
            table[byte] = chr(256 + extra)
            extra += 1
    return table


BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {char: byte for byte, char in BYTE_TO_CHAR.items()}


def byte_order() -> list[int]:
    """Bytes in GPT-2's vocabulary order: the printable ones first, then the rest."""
    printable = [byte for byte in range(256) if BYTE_TO_CHAR[byte] == chr(byte)]
    return printable + [byte for byte in range(256) if byte not in printable]


def pretokenize(text: str, pre: str) -> list[str]:
    return _COMPILED[pre].findall(text)


def to_byte_level(text: str) -> str:
    return "".join(BYTE_TO_CHAR[byte] for byte in text.encode("utf-8"))


def bpe(word: str, ranks: dict[tuple[str, str], int]) -> list[str]:
    """GPT-2's merge loop over the characters of a byte-level word."""
    parts = list(word)
    while len(parts) > 1:
        pairs = {(parts[idx], parts[idx + 1]) for idx in range(len(parts) - 1)}
        best = min(pairs, key=lambda pair: ranks.get(pair, float("inf")))
        if best not in ranks:
            break
        merged = []
        idx = 0
        while idx < len(parts):
            if idx + 1 < len(parts) and (parts[idx], parts[idx + 1]) == best:
                merged.append(parts[idx] + parts[idx + 1])
                idx += 2
            else:
                merged.append(parts[idx])
                idx += 1
        parts = merged
    return parts


def split_special(text: str, specials: list[tuple[str, int]]) -> list[object]:
    """Splits text around special token texts: the longest text first, everywhere, then the next
    (equal lengths: lower id first). Returns a list of str fragments and int token ids."""
    fragments: list[object] = [text] if text else []
    for special_text, special_id in sorted(specials, key=lambda item: (-len(item[0]), item[1])):
        result: list[object] = []
        for fragment in fragments:
            if not isinstance(fragment, str):
                result.append(fragment)
                continue
            pieces = fragment.split(special_text)
            for piece_idx, piece in enumerate(pieces):
                if piece_idx > 0:
                    result.append(special_id)
                if piece:
                    result.append(piece)
        fragments = result
    return fragments


class Tokenizer:
    def __init__(self, tokens: list[str], types: list[int], merges: list[str], pre: str,
                 ignore_merges: bool):
        self.ids = {text: idx for idx, text in enumerate(tokens)}
        self.types = types
        self.ranks = {}
        for rank, line in enumerate(merges):
            left, right = line.split(" ", 1)
            self.ranks.setdefault((left, right), rank)
        self.pre = pre
        self.ignore_merges = ignore_merges
        self.specials = [(text, idx) for idx, text in enumerate(tokens) if types[idx] in (3, 4)]

    def encode_plain(self, text: str) -> list[int]:
        out = []
        for word in pretokenize(text, self.pre):
            mapped = to_byte_level(word)
            if self.ignore_merges and mapped in self.ids and self.types[self.ids[mapped]] != 3:
                out.append(self.ids[mapped])
                continue
            out.extend(self.ids[part] for part in bpe(mapped, self.ranks))
        return out

    def encode(self, text: str, parse_special: bool) -> list[int]:
        # Control tokens (type 3) only with parse_special; user-defined (4) always.
        specials = [(special_text, idx) for special_text, idx in self.specials
                    if parse_special or self.types[idx] == 4]
        out = []
        for fragment in split_special(text, specials):
            if isinstance(fragment, int):
                out.append(fragment)
            else:
                out.extend(self.encode_plain(fragment))
        return out
