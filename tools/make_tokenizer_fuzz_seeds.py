#!/usr/bin/env python3
"""Writes the seeds of fuzz/fuzz_tokenizer into fuzz/seeds/tokenizer: two small vocabulary-only
GGUF files (SentencePiece and byte-level BPE) and a few texts."""
import pathlib
import struct

OUT = pathlib.Path(__file__).resolve().parent.parent / "fuzz" / "seeds" / "tokenizer"


def gguf_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def kv_string(key: str, value: str) -> bytes:
    return gguf_string(key) + struct.pack("<I", 8) + gguf_string(value)


def kv_u32(key: str, value: int) -> bytes:
    return gguf_string(key) + struct.pack("<II", 4, value)


def kv_strings(key: str, values: list[str]) -> bytes:
    return (gguf_string(key) + struct.pack("<IIQ", 9, 8, len(values))
            + b"".join(gguf_string(value) for value in values))


def kv_i32s(key: str, values: list[int]) -> bytes:
    return gguf_string(key) + struct.pack(f"<IIQ{len(values)}i", 9, 5, len(values), *values)


def kv_f32s(key: str, values: list[float]) -> bytes:
    return gguf_string(key) + struct.pack(f"<IIQ{len(values)}f", 9, 6, len(values), *values)


def gguf(kvs: list[bytes]) -> bytes:
    return struct.pack("<IIQQ", 0x46554747, 3, 0, len(kvs)) + b"".join(kvs)


def spm() -> bytes:
    tokens = ["<unk>", "<s>", "</s>", "<|im_end|>", "\u2581", "a", "b", "\u2581a", "<0x0A>", "<0xF0>"]
    types = [2, 3, 3, 3, 1, 1, 1, 1, 6, 6]
    return gguf([kv_string("tokenizer.ggml.model", "llama"),
                 kv_strings("tokenizer.ggml.tokens", tokens),
                 kv_f32s("tokenizer.ggml.scores", [0.0, 0, 0, 0, -1, -2, -3, -0.5, 0, 0]),
                 kv_i32s("tokenizer.ggml.token_type", types),
                 kv_u32("tokenizer.ggml.eos_token_id", 2)])


def bpe() -> bytes:
    tokens = ["a", "b", "ab", "\u0120", "\u0120a", "1", "<|endoftext|>"]
    types = [1, 1, 1, 1, 1, 1, 3]
    return gguf([kv_string("tokenizer.ggml.model", "gpt2"),
                 kv_string("tokenizer.ggml.pre", "llama-bpe"),
                 kv_strings("tokenizer.ggml.tokens", tokens),
                 kv_i32s("tokenizer.ggml.token_type", types),
                 kv_strings("tokenizer.ggml.merges", ["a b", "\u0120 a"]),
                 kv_u32("tokenizer.ggml.bos_token_id", 6),
                 kv_u32("tokenizer.ggml.eos_token_id", 6)])


TEXTS = {
    "hello.txt": "Hello world! It's 2024, isn't it?\n".encode(),
    "chat.txt": "<|im_start|>user\nHi<|im_end|>\n<s>[INST] ok [/INST]</s><|endoftext|>".encode(),
    "unicode.txt": "naïve café 日本語 🦙😶‍🌫️ ١٢٣ \u00a0\u3000\r\n\t  x".encode(),
    "invalid.txt": b"\xff\xc3(\xe2\x82 \xf0\x9f\xa6 \xed\xa0\x80 ok",
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "spm_vocab.gguf").write_bytes(spm())
    (OUT / "bpe_vocab.gguf").write_bytes(bpe())
    for name, data in TEXTS.items():
        (OUT / name).write_bytes(data)
    print(f"wrote seeds to {OUT}")


if __name__ == "__main__":
    main()
