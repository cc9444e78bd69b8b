#!/usr/bin/env python3
"""Writes small valid GGUF files into fuzz/seeds/gguf so the fuzzer starts from real structure."""
import pathlib
import struct

OUT = pathlib.Path(__file__).resolve().parent.parent / "fuzz" / "seeds" / "gguf"


def gguf_string(text: bytes) -> bytes:
    return struct.pack("<Q", len(text)) + text


def kv(key: str, type_id: int, payload: bytes) -> bytes:
    return gguf_string(key.encode()) + struct.pack("<I", type_id) + payload


def build(version: int, with_tensor: bool) -> bytes:
    kvs = [
        kv("general.architecture", 8, gguf_string(b"llama")),
        kv("llama.block_count", 4, struct.pack("<I", 1)),
        kv("llama.rope.freq_base", 6, struct.pack("<f", 10000.0)),
        kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 3) + b"".join(gguf_string(t) for t in [b"<s>", b"a", b"b"])),
        kv("tokenizer.ggml.scores", 9, struct.pack("<IQ", 6, 3) + struct.pack("<3f", 0, -1, -2)),
        kv("nested", 9, struct.pack("<IQ", 9, 1) + struct.pack("<IQ", 0, 2) + b"\x01\x02"),
    ]
    tensors = []
    data = b""
    if with_tensor:
        tensors.append(gguf_string(b"token_embd.weight") + struct.pack("<I", 2) + struct.pack("<QQ", 32, 2)
                       + struct.pack("<I", 8) + struct.pack("<Q", 0))
        block = struct.pack("<e", 0.5) + bytes(range(32))
        data = block * 2
    header = struct.pack("<IIQQ", 0x46554747, version, len(tensors), len(kvs)) + b"".join(kvs) + b"".join(tensors)
    if with_tensor:
        header += b"\0" * ((-len(header)) % 32)
    return header + data


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for version in (2, 3):
        for with_tensor in (False, True):
            name = f"v{version}_{'tensor' if with_tensor else 'vocab'}.gguf"
            (OUT / name).write_bytes(build(version, with_tensor))
    print(f"wrote seeds to {OUT}")


if __name__ == "__main__":
    main()
