#!/usr/bin/python3
"""The demo model's corpus: Debian's English fortune cookies, one clean text per fortune.

    corpus.py OUT_DIR [--fortunes-dir /usr/share/games/fortunes]

Reads every fortune file the `fortunes` and `fortunes-min` packages install (a file of texts
separated by lines holding only '%'), except `ascii-art` (pictures) and `translate-me` (mostly
Latin and French). Each fortune is cleaned:

  - backspace overstrikes are resolved as a terminal prints them, keeping the letter rather than
    the underline ("*___\\b\\b\\band*" -> "*and*", "_\\bN" -> "N");
  - other control characters (the bell, form feeds) are removed;
  - each line loses its trailing blanks; its leading blanks (spaces or tabs, any width) become a
    single tab, so indentation and the "\\t-- Author" attribution lines survive in one token;
    runs of blanks inside a line become one space;
  - blank lines at the start and end go, and runs of blank lines become one.

Then fortunes are dropped when they contain a word of blocklist.txt (crude or offensive: this
model greets every new user), when fewer than 60% of their visible characters are letters
(ASCII art, line noise), when they are longer than MAX_CHARS, or when they repeat a fortune
already kept (the comparison ignores case and blanks).

The split into train and held-out parts is a fixed rule: a fortune is held out when the first
four bytes of the SHA-256 of its cleaned text, as a big-endian number, are 0 modulo 20 (about
5%). It depends on nothing but the text.

Writes OUT_DIR/train.json and OUT_DIR/heldout.json (lists of fortunes, in file order) and
OUT_DIR/corpus_stats.json (counts per step and per source file).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pathlib
import re
import sys
from typing import Dict, List, Sequence

FORTUNES_DIR = pathlib.Path("/usr/share/games/fortunes")
EXCLUDED_FILES = {"ascii-art", "translate-me"}
MAX_CHARS = 1000          # longer texts are stories, not fortunes (and exceed the context)
MIN_LETTER_FRACTION = 0.6
HELDOUT_MODULUS = 20
BLOCKLIST = pathlib.Path(__file__).resolve().parent / "blocklist.txt"


def fortune_files(folder: pathlib.Path) -> List[pathlib.Path]:
    """The collections: files with a strfile index (NAME.dat), minus the excluded ones."""
    names = sorted(path.stem for path in folder.glob("*.dat"))
    files = [folder / name for name in names if name not in EXCLUDED_FILES]
    return [path for path in files if path.is_file()]


def split_fortunes(text: str) -> List[str]:
    """A fortune file's texts: the chunks between lines that hold only '%'."""
    fortunes, lines = [], []
    for line in text.split("\n"):
        if line == "%":
            fortunes.append("\n".join(lines))
            lines = []
        else:
            lines.append(line)
    fortunes.append("\n".join(lines))
    return [fortune for fortune in fortunes if fortune.strip()]


def resolve_overstrike(line: str) -> str:
    """Prints a line with backspaces as a terminal would, where two characters struck on the
    same cell keep the one that is not an underscore (underline) or the later one (bold)."""
    cells: List[str] = []
    cursor = 0
    for char in line:
        if char == "\b":
            cursor = max(0, cursor - 1)
        elif cursor < len(cells):
            if char != "_":
                cells[cursor] = char
            cursor += 1
        else:
            cells.append(char)
            cursor += 1
    return "".join(cells)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LEADING_BLANKS = re.compile(r"^[ \t]+")
_INNER_BLANKS = re.compile(r"[ \t]+")


def clean(fortune: str) -> str:
    lines = []
    for line in fortune.split("\n"):
        line = _CONTROL.sub("", resolve_overstrike(line)).rstrip()
        indent = "\t" if _LEADING_BLANKS.match(line) else ""
        lines.append(indent + _INNER_BLANKS.sub(" ", line.strip()))
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text)


def load_blocklist(path: pathlib.Path = BLOCKLIST) -> re.Pattern:
    """One regular expression matching any blocklisted word (whole words, any case)."""
    alternatives = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        entry = raw.split("#", 1)[0].strip().lower()
        if not entry:
            continue
        if entry.endswith("*"):
            alternatives.append(re.escape(entry[:-1]) + r"[a-z]*")
        else:
            alternatives.append(re.escape(entry))
    return re.compile(r"(?<![a-z])(?:" + "|".join(alternatives) + r")(?![a-z])", re.IGNORECASE)


def letter_fraction(text: str) -> float:
    visible = [char for char in text if not char.isspace()]
    return sum(char.isalpha() for char in visible) / max(1, len(visible))


def dedup_key(text: str) -> str:
    return " ".join(text.lower().split())


def is_heldout(text: str) -> bool:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % HELDOUT_MODULUS == 0


def build(folder: pathlib.Path) -> Dict[str, object]:
    blocklist = load_blocklist()
    seen = set()
    train: List[str] = []
    heldout: List[str] = []
    per_file: Dict[str, Dict[str, int]] = {}
    totals = {"read": 0, "blocklisted": 0, "not_text": 0, "too_long": 0, "duplicate": 0,
              "kept": 0, "raw_bytes": 0, "backspace_lines": 0}
    for path in fortune_files(folder):
        raw = path.read_bytes()
        totals["raw_bytes"] += len(raw)
        text = raw.decode("utf-8")
        counts = {"read": 0, "kept": 0}
        for fortune in split_fortunes(text):
            counts["read"] += 1
            totals["read"] += 1
            totals["backspace_lines"] += sum("\b" in line for line in fortune.split("\n"))
            cleaned = clean(fortune)
            if blocklist.search(cleaned):
                totals["blocklisted"] += 1
                continue
            if letter_fraction(cleaned) < MIN_LETTER_FRACTION:
                totals["not_text"] += 1
                continue
            if len(cleaned) > MAX_CHARS:
                totals["too_long"] += 1
                continue
            key = dedup_key(cleaned)
            if key in seen:
                totals["duplicate"] += 1
                continue
            seen.add(key)
            counts["kept"] += 1
            totals["kept"] += 1
            (heldout if is_heldout(cleaned) else train).append(cleaned)
        per_file[path.name] = counts
    stats = dict(totals)
    stats.update({"files": per_file, "excluded_files": sorted(EXCLUDED_FILES),
                  "train": len(train), "heldout": len(heldout),
                  "train_chars": sum(map(len, train)), "heldout_chars": sum(map(len, heldout))})
    return {"train": train, "heldout": heldout, "stats": stats}


def main(argv: Sequence[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=pathlib.Path)
    parser.add_argument("--fortunes-dir", type=pathlib.Path, default=FORTUNES_DIR)
    args = parser.parse_args(argv)
    if not fortune_files(args.fortunes_dir):
        print(f"corpus: no fortune files in {args.fortunes_dir} "
              "(scripts/setup.sh --train installs fortunes and fortunes-min)", file=sys.stderr)
        return 1
    result = build(args.fortunes_dir)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for part in ("train", "heldout"):
        (args.out_dir / f"{part}.json").write_text(
            json.dumps(result[part], ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    (args.out_dir / "corpus_stats.json").write_text(json.dumps(result["stats"], indent=2) + "\n")
    stats = result["stats"]
    print(f"corpus: {stats['read']} fortunes read ({stats['raw_bytes']} bytes); dropped "
          f"{stats['blocklisted']} blocklisted, {stats['not_text']} not text, {stats['too_long']} "
          f"too long, {stats['duplicate']} duplicates; kept {stats['kept']}: "
          f"{stats['train']} train, {stats['heldout']} held out")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
