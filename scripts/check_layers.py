#!/usr/bin/env python3
"""Checks that includes point down the layer stack (DESIGN.md): a file in layer L may include
only headers of L itself and of the layers L depends on. Exits non-zero and names each bad
include."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# layer -> layers it may include (transitively closed below).
ALLOWED = {
    "base": [],
    "tensor": ["base"],
    "kernels": ["base", "tensor"],
    "formats": ["base", "tensor"],
    "text": ["base", "tensor", "formats"],
    "arch": ["base", "tensor", "kernels", "formats", "text"],
    "engine": ["base", "tensor", "kernels", "formats", "text", "arch"],
    "manager": ["base", "tensor", "kernels", "formats", "text", "arch", "engine"],
    "store": ["base"],
    "access": ["base", "store"],
    "plugins": ["base"],
    "serving": ["base", "tensor", "kernels", "formats", "text", "arch", "engine", "manager", "store", "access", "plugins"],
    "server": ["base", "tensor", "kernels", "formats", "text", "arch", "engine", "manager", "store", "access", "plugins", "serving"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main() -> int:
    bad = []
    for layer, allowed in ALLOWED.items():
        folder = ROOT / layer
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.suffix not in {".h", ".cpp", ".cc", ".hpp"}:
                continue
            for line_no, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                target = match.group(1).split("/")[0]
                if target == layer or target not in ALLOWED:
                    continue
                if target not in allowed:
                    bad.append(f"{path.relative_to(ROOT)}:{line_no}: layer '{layer}' includes "
                               f"'{match.group(1)}' from layer '{target}' above or beside it")
    for line in bad:
        print(line)
    if bad:
        return 1
    print(f"layers: includes point down ({len(ALLOWED)} layers checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
