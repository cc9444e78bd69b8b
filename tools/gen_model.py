#!/usr/bin/python3
"""Generates tiny random-weight GGUF language models for Hearth's tests.

    gen_model.py out.gguf                                   # llama, f32, SPM vocabulary
    gen_model.py out.gguf --arch qwen2 --dtype f16          # biases, NeoX RoPE, GPT-2 BPE vocab
    gen_model.py out.gguf --arch qwen3 --tied --rope-scaling yarn

The files look like what llama.cpp's converter writes for these architectures: the same
metadata keys and tensor names and shapes (see formats/gguf_keys.h), a small but valid
tokenizer, a chat template. 1-D tensors (norms, biases, rope_freqs) are always F32, as the
converter keeps them; matrices are stored in --dtype. Quantized variants are made afterwards
by `hearth quantize`, so with the default sizes every matrix row length is a multiple of 256
(the K-quant super-block).

Weights are N(0, std) with std = g * --gain / sqrt(row length) (g between 0.7 and 1.6 per
tensor), so activations stay O(1) and the logits are spread (std about 1.5) with distinct top
tokens; norm weights are 1 + N(0, 0.05), qwen2 biases N(0, 0.1).
Architectures, as llama.cpp runs them:
  llama  RMSNorm, Q/K/V/O without bias, RoPE "normal" (adjacent pairs), SwiGLU FFN
  qwen2  as llama plus attn_q/k/v.bias; RoPE NeoX (pairs i, i + n_rot/2)
  qwen3  as llama plus per-head RMSNorm of q and k (attn_q_norm / attn_k_norm, [head_dim]),
         applied before RoPE; RoPE NeoX; attention.key_length / value_length always written
Llama's Q/K weights are stored in GGUF in the row order that the adjacent-pair RoPE expects;
with random weights that only means "llama uses the normal RoPE mode".
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import pathlib
import re
import sys
from typing import Dict, List, Optional, Tuple

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from hearth_gguf import GGMLType, GGUFWriter, ValueType, float32_to_bf16_bits  # noqa: E402

TOKEN_NORMAL, TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_USER_DEFINED, TOKEN_UNUSED, TOKEN_BYTE = 1, 2, 3, 4, 5, 6
FILE_TYPE = {"f32": 0, "f16": 1, "bf16": 32}   # general.file_type (llama_ftype)
ARCHES = ("llama", "qwen2", "qwen3")

# A short original text the tokenizers' merges are learned from (BPE on word counts).
CORPUS = """\
The fire in the hearth was warm and bright. We sat by it every night and told stories about the
old house, the long winter, and the people who lived here before us. A small cat slept near the
door. Outside, the wind moved through the trees and the snow fell on the road. In the morning the
light came in through the window, and the kitchen smelled of bread and coffee. My mother said that
a home is not the walls or the roof; it is the time you spend with the ones you love. She would
make tea, open a book, and read to us until we fell asleep. Years later, I still think of that
room when I hear rain on the glass. There were 3 chairs, 2 lamps and 1 table in it. What do you
want to know? Ask me anything, and I will answer as well as I can. Hello! How are you today? I am
fine, thank you. This is a test of the local server. It runs small language models on your own
computer, and it can write, speak, listen and draw. Please tell me a short story about a dog who
found a key in the garden. Once upon a time there was a little dog called Max. He liked to dig.
"""

CHAT_TEMPLATES = {
    # Llama-2 style, for the SentencePiece vocabulary (<s>, </s>).
    "llama": (
        "{{ bos_token }}{% for message in messages %}"
        "{% if message['role'] == 'system' %}{{ '<<SYS>>\\n' + message['content'] + '\\n<</SYS>>\\n\\n' }}"
        "{% elif message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
        "{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] + ' ' + eos_token }}"
        "{% endif %}{% endfor %}"),
    # Llama-3 style headers, for the "llama-bpe" GPT-2 vocabulary.
    "llama-bpe": (
        "{{ bos_token }}{% for message in messages %}"
        "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"),
    # ChatML, for the "qwen2" GPT-2 vocabulary.
    "qwen2": (
        "{% for message in messages %}"
        "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"),
}

# Special tokens of the GPT-2 vocabularies, and which of them are bos / eos / eot / pad.
BPE_SPECIALS = {
    "llama-bpe": (["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
                   "<|end_header_id|>", "<|eot_id|>"],
                  {"bos": "<|begin_of_text|>", "eos": "<|eot_id|>", "eot": "<|eot_id|>"}),
    "qwen2": (["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
              {"bos": "<|endoftext|>", "eos": "<|im_end|>", "eot": "<|im_end|>",
               "padding": "<|endoftext|>"}),
}


# ---------------------------------------------------------------------------------------------
# Tokenizers
# ---------------------------------------------------------------------------------------------

def learn_merges(word_counts: Dict[Tuple[str, ...], int], n_merges: int) -> List[Tuple[str, str]]:
    """Plain BPE: repeatedly merges the most frequent adjacent pair (ties: smallest pair)."""
    words = dict(word_counts)
    merges: List[Tuple[str, str]] = []
    while len(merges) < n_merges:
        pair_counts: Dict[Tuple[str, str], int] = collections.Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:]):
                pair_counts[pair] += count
        if not pair_counts:
            break
        best = min(pair_counts, key=lambda pair: (-pair_counts[pair], pair))
        merges.append(best)
        merged = {}
        for symbols, count in words.items():
            out, idx = [], 0
            while idx < len(symbols):
                if idx + 1 < len(symbols) and (symbols[idx], symbols[idx + 1]) == best:
                    out.append(symbols[idx] + symbols[idx + 1])
                    idx += 2
                else:
                    out.append(symbols[idx])
                    idx += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + count
        words = merged
    return merges


def spm_vocab(n_vocab: int):
    """SentencePiece-style (tokenizer.ggml.model "llama"): <unk>, <s>, </s>, <0x00>..<0xFF>,
    then pieces learned from CORPUS ('▁' marks a space) with descending scores, then the single
    characters. Returns tokens, scores, token types."""
    tokens = ["<unk>", "<s>", "</s>"]
    types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL]
    scores = [0.0, 0.0, 0.0]
    tokens += [f"<0x{value:02X}>" for value in range(256)]
    types += [TOKEN_BYTE] * 256
    scores += [0.0] * 256
    text = CORPUS.replace("\n", " ")
    chars = sorted(set(text.replace(" ", "")) | set("abcdefghijklmnopqrstuvwxyz0123456789") | {"▁"})
    words = collections.Counter(tuple("▁" + word) for word in text.split())
    n_merges = n_vocab - len(tokens) - len(chars)
    if n_merges < 0:
        raise SystemExit(f"--n-vocab {n_vocab} is too small for the llama tokenizer "
                         f"(at least {len(tokens) + len(chars)})")
    merges = learn_merges(words, n_merges)
    for rank, (left, right) in enumerate(merges):
        tokens.append(left + right)
        types.append(TOKEN_NORMAL)
        scores.append(-float(rank))
    for idx, char in enumerate(chars):
        tokens.append(char)
        types.append(TOKEN_NORMAL)
        scores.append(-float(len(merges) + idx))
    _pad_unused(tokens, types, n_vocab, scores)
    return tokens, scores, types


def gpt2_byte_map() -> Dict[int, str]:
    """The GPT-2 byte-to-unicode map, in GPT-2's vocabulary order (dicts keep insertion order):
    the printable bytes stand for themselves, the others map to U+0100 upwards."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    mapping = {byte: chr(byte) for byte in printable}
    others = [byte for byte in range(256) if byte not in mapping]
    for idx, byte in enumerate(others):
        mapping[byte] = chr(256 + idx)
    return mapping


def gpt2_vocab(n_vocab: int, pre: str):
    """Byte-level BPE (tokenizer.ggml.model "gpt2"): 256 byte symbols, merged tokens (one per
    merge, in merge order), then the special tokens. Returns tokens, types, merges, specials."""
    byte_to_symbol = gpt2_byte_map()
    symbols = list(byte_to_symbol.values())

    def encode(piece: str) -> Tuple[str, ...]:
        return tuple(byte_to_symbol[b] for b in piece.encode("utf-8"))

    # Pre-split roughly as the GPT-2 / Qwen2 regexes do: contractions, letters with an optional
    # leading space, single digits, punctuation runs.
    pattern = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]| ?[^\sA-Za-z0-9]+|\s+")
    words = collections.Counter(encode(piece) for piece in pattern.findall(CORPUS.replace("\n", " ")))
    specials, _ = BPE_SPECIALS[pre]
    n_merges = n_vocab - 256 - len(specials)
    if n_merges < 0:
        raise SystemExit(f"--n-vocab {n_vocab} is too small for the gpt2 tokenizer "
                         f"(at least {256 + len(specials)})")
    merges = learn_merges(words, n_merges)
    tokens = list(symbols) + [left + right for left, right in merges]
    types = [TOKEN_NORMAL] * len(tokens)
    _pad_unused(tokens, types, n_vocab - len(specials))
    tokens += specials
    types += [TOKEN_CONTROL] * len(specials)
    return tokens, types, [f"{left} {right}" for left, right in merges], specials


def _pad_unused(tokens, types, n_target, scores=None):
    """If the corpus ran out of merges, fills up with <unused_N> tokens (type UNUSED)."""
    idx = 0
    while len(tokens) < n_target:
        tokens.append(f"<unused_{idx}>")
        types.append(TOKEN_UNUSED)
        if scores is not None:
            scores.append(-1e9)
        idx += 1


# ---------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class ModelSpec:
    arch: str = "llama"
    dtype: str = "f32"
    n_embd: int = 256
    n_ff: int = 512
    n_head: int = 4
    n_head_kv: int = 2
    n_layer: int = 2
    n_vocab: int = 400
    ctx: int = 128
    head_dim: Optional[int] = None      # None: n_embd / n_head, keys not written (llama, qwen2)
    tied: bool = False
    rope_scaling: str = "none"          # none | linear | yarn | llama3
    rope_base: Optional[float] = None   # None: 10000 (llama), 1000000 (qwen2, qwen3)
    rope_factor: float = 4.0
    rope_orig_ctx: Optional[int] = None  # None: ctx // 4 (at least 16)
    rope_attn_factor: Optional[float] = None
    rope_low_freq_factor: float = 1.0
    rope_high_freq_factor: float = 4.0
    rms_eps: Optional[float] = None     # None: 1e-5 (llama), 1e-6 (qwen2, qwen3)
    tokenizer: Optional[str] = None     # None: llama (arch llama), gpt2 (qwen2, qwen3)
    pre: Optional[str] = None           # gpt2 only; None: llama-bpe (llama), qwen2 (qwen*)
    add_bos: Optional[bool] = None
    add_eos: bool = False
    chat_template: Optional[str] = None
    seed: int = 0
    gain: float = 1.0
    alignment: int = 32
    gguf_version: int = 3
    name: Optional[str] = None

    def resolved(self) -> "ModelSpec":
        spec = dataclasses.replace(self)
        qwen = spec.arch in ("qwen2", "qwen3")
        if spec.arch not in ARCHES:
            raise SystemExit(f"unknown --arch {spec.arch}")
        if spec.rope_base is None:
            spec.rope_base = 1000000.0 if qwen else 10000.0
        if spec.rms_eps is None:
            spec.rms_eps = 1e-6 if qwen else 1e-5
        if spec.tokenizer is None:
            spec.tokenizer = "gpt2" if qwen else "llama"
        if spec.tokenizer == "gpt2" and spec.pre is None:
            spec.pre = "qwen2" if qwen else "llama-bpe"
        if spec.add_bos is None:
            spec.add_bos = not (spec.tokenizer == "gpt2" and spec.pre == "qwen2")
        if spec.rope_orig_ctx is None:
            spec.rope_orig_ctx = max(16, spec.ctx // 4)
        if spec.name is None:
            spec.name = f"hearth-tiny-{spec.arch}"
        return spec

    @property
    def n_embd_head(self) -> int:
        return self.head_dim if self.head_dim else self.n_embd // self.n_head


def _check(spec: ModelSpec) -> None:
    def fail(message):
        raise SystemExit(f"gen_model: {message}")
    if spec.n_head % spec.n_head_kv:
        fail(f"--n-head {spec.n_head} is not a multiple of --n-head-kv {spec.n_head_kv}")
    if spec.head_dim is None and spec.n_embd % spec.n_head:
        fail(f"--n-embd {spec.n_embd} is not a multiple of --n-head {spec.n_head} (use --head-dim)")
    if spec.n_embd_head % 2:
        fail(f"head dimension {spec.n_embd_head} is odd; RoPE needs pairs")
    if spec.rope_scaling not in ("none", "linear", "yarn", "llama3"):
        fail(f"unknown --rope-scaling {spec.rope_scaling}")
    if spec.rope_scaling == "llama3" and spec.arch != "llama":
        fail("--rope-scaling llama3 (rope_freqs.weight) is a llama-architecture feature")
    if spec.rope_scaling != "none" and spec.rope_factor <= 0:
        fail("--rope-factor must be positive")
    if spec.tokenizer == "gpt2" and spec.pre not in BPE_SPECIALS:
        fail(f"--pre must be one of {sorted(BPE_SPECIALS)}")
    rows = {"n_embd": spec.n_embd, "n_ff": spec.n_ff, "n_head * head_dim": spec.n_head * spec.n_embd_head}
    odd = [f"{name} = {value}" for name, value in rows.items() if value % 256]
    if odd:
        print(f"gen_model: warning: {', '.join(odd)} not a multiple of 256: K-quants cannot "
              "quantize those rows", file=sys.stderr)


def llama3_freq_factors(spec: ModelSpec) -> np.ndarray:
    """rope_freqs.weight for Llama-3.1-style scaling: per-pair divisors of theta (as the
    converter computes them from factor, low/high_freq_factor, original context)."""
    n_rot = spec.n_embd_head
    freqs = spec.rope_base ** (-np.arange(0, n_rot, 2, dtype=np.float64) / n_rot)
    wavelen = 2 * np.pi / freqs
    old_ctx = spec.rope_orig_ctx
    low_wavelen = old_ctx / spec.rope_low_freq_factor
    high_wavelen = old_ctx / spec.rope_high_freq_factor
    smooth = (old_ctx / wavelen - spec.rope_low_freq_factor) / (
        spec.rope_high_freq_factor - spec.rope_low_freq_factor)
    factors = 1.0 / ((1 - smooth) / spec.rope_factor + smooth)
    factors = np.where(wavelen < high_wavelen, 1.0, factors)
    factors = np.where(wavelen > low_wavelen, spec.rope_factor, factors)
    return factors.astype(np.float32)


def build(spec: ModelSpec) -> GGUFWriter:
    spec = spec.resolved()
    _check(spec)
    arch = spec.arch
    writer = GGUFWriter(version=spec.gguf_version, alignment=spec.alignment)
    rng = np.random.default_rng(spec.seed)
    head_dim = spec.n_embd_head
    n_q, n_kv = spec.n_head * head_dim, spec.n_head_kv * head_dim

    # --- general.* and architecture keys ----------------------------------------------------
    writer.add_string("general.architecture", arch)
    writer.add_string("general.name", spec.name)
    writer.add_u32("general.file_type", FILE_TYPE[spec.dtype])
    writer.add_u32("general.quantization_version", 2)
    if arch == "llama":
        writer.add_u32(f"{arch}.vocab_size", spec.n_vocab)
    writer.add_u32(f"{arch}.context_length", spec.ctx)
    writer.add_u32(f"{arch}.embedding_length", spec.n_embd)
    writer.add_u32(f"{arch}.block_count", spec.n_layer)
    writer.add_u32(f"{arch}.feed_forward_length", spec.n_ff)
    writer.add_u32(f"{arch}.attention.head_count", spec.n_head)
    writer.add_u32(f"{arch}.attention.head_count_kv", spec.n_head_kv)
    writer.add_f32(f"{arch}.rope.freq_base", spec.rope_base)
    writer.add_f32(f"{arch}.attention.layer_norm_rms_epsilon", spec.rms_eps)
    if arch == "llama":
        writer.add_u32(f"{arch}.rope.dimension_count", head_dim)
    if spec.head_dim is not None or arch == "qwen3":
        writer.add_u32(f"{arch}.attention.key_length", head_dim)
        writer.add_u32(f"{arch}.attention.value_length", head_dim)
    if spec.rope_scaling in ("linear", "yarn"):
        writer.add_string(f"{arch}.rope.scaling.type", spec.rope_scaling)
        writer.add_f32(f"{arch}.rope.scaling.factor", spec.rope_factor)
    if spec.rope_scaling == "yarn":
        writer.add_u32(f"{arch}.rope.scaling.original_context_length", spec.rope_orig_ctx)
    if spec.rope_attn_factor is not None:
        writer.add_f32(f"{arch}.rope.scaling.attn_factor", spec.rope_attn_factor)

    # --- tokenizer ----------------------------------------------------------------------------
    if spec.tokenizer == "llama":
        tokens, scores, types = spm_vocab(spec.n_vocab)
        writer.add_string("tokenizer.ggml.model", "llama")
        writer.add_array("tokenizer.ggml.tokens", tokens, ValueType.STRING)
        writer.add_array("tokenizer.ggml.scores", np.array(scores, np.float32), ValueType.FLOAT32)
        writer.add_array("tokenizer.ggml.token_type", np.array(types, np.int32), ValueType.INT32)
        writer.add_u32("tokenizer.ggml.bos_token_id", 1)
        writer.add_u32("tokenizer.ggml.eos_token_id", 2)
        writer.add_u32("tokenizer.ggml.unknown_token_id", 0)
        template = CHAT_TEMPLATES["llama"]
    elif spec.tokenizer == "gpt2":
        tokens, types, merges, specials = gpt2_vocab(spec.n_vocab, spec.pre)
        writer.add_string("tokenizer.ggml.model", "gpt2")
        writer.add_string("tokenizer.ggml.pre", spec.pre)
        writer.add_array("tokenizer.ggml.tokens", tokens, ValueType.STRING)
        writer.add_array("tokenizer.ggml.token_type", np.array(types, np.int32), ValueType.INT32)
        writer.add_array("tokenizer.ggml.merges", merges, ValueType.STRING)
        for role, text in BPE_SPECIALS[spec.pre][1].items():
            writer.add_u32(f"tokenizer.ggml.{role}_token_id", tokens.index(text))
        template = CHAT_TEMPLATES[spec.pre]
    else:
        raise SystemExit(f"unknown --tokenizer {spec.tokenizer}")
    assert len(tokens) == spec.n_vocab, (len(tokens), spec.n_vocab)
    writer.add_bool("tokenizer.ggml.add_bos_token", spec.add_bos)
    writer.add_bool("tokenizer.ggml.add_eos_token", spec.add_eos)
    writer.add_string("tokenizer.chat_template",
                      spec.chat_template if spec.chat_template is not None else template)

    # --- tensors (NumPy shapes are (rows, row length); GGUF ne is the reverse) ---------------
    def matrix(name: str, n_out: int, n_in: int, gain: float = 1.0) -> None:
        std = spec.gain * gain / np.sqrt(n_in)
        values = rng.standard_normal((n_out, n_in), dtype=np.float32) * np.float32(std)
        if spec.dtype == "f32":
            writer.add_tensor(name, values)
        elif spec.dtype == "f16":
            writer.add_tensor(name, values.astype(np.float16))
        else:
            writer.add_tensor(name, float32_to_bf16_bits(values), GGMLType.BF16)

    def vector(name: str, size: int, mean: float, std: float) -> None:
        values = np.float32(mean) + rng.standard_normal(size, dtype=np.float32) * np.float32(std)
        writer.add_tensor(name, values)

    # token_embd [n_embd, n_vocab]: row t is token t's embedding. std 1.6 / 16 = 0.1 at n_embd
    # 256, so that tied logits (hidden . embedding) have about the same spread as untied ones.
    matrix("token_embd.weight", spec.n_vocab, spec.n_embd, gain=1.6)
    if spec.rope_scaling == "llama3":
        writer.add_tensor("rope_freqs.weight", llama3_freq_factors(spec))
    for layer in range(spec.n_layer):
        block = f"blk.{layer}"
        vector(f"{block}.attn_norm.weight", spec.n_embd, 1.0, 0.05)
        matrix(f"{block}.attn_q.weight", n_q, spec.n_embd)
        matrix(f"{block}.attn_k.weight", n_kv, spec.n_embd)
        matrix(f"{block}.attn_v.weight", n_kv, spec.n_embd)
        if arch == "qwen2":
            vector(f"{block}.attn_q.bias", n_q, 0.0, 0.1)
            vector(f"{block}.attn_k.bias", n_kv, 0.0, 0.1)
            vector(f"{block}.attn_v.bias", n_kv, 0.0, 0.1)
        if arch == "qwen3":
            vector(f"{block}.attn_q_norm.weight", head_dim, 1.0, 0.05)
            vector(f"{block}.attn_k_norm.weight", head_dim, 1.0, 0.05)
        matrix(f"{block}.attn_output.weight", spec.n_embd, n_q, gain=0.7)
        vector(f"{block}.ffn_norm.weight", spec.n_embd, 1.0, 0.05)
        matrix(f"{block}.ffn_gate.weight", spec.n_ff, spec.n_embd)
        matrix(f"{block}.ffn_up.weight", spec.n_ff, spec.n_embd)
        matrix(f"{block}.ffn_down.weight", spec.n_embd, spec.n_ff, gain=0.7)
    vector("output_norm.weight", spec.n_embd, 1.0, 0.05)
    if not spec.tied:
        matrix("output.weight", spec.n_vocab, spec.n_embd, gain=1.5)
    return writer


def generate(spec: ModelSpec, path) -> None:
    build(spec).write(path)


def main(argv=None) -> int:
    class Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
        pass
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=Formatter)
    parser.add_argument("out", help="output .gguf path")
    parser.add_argument("--arch", choices=ARCHES, default="llama",
                        help="llama: normal (adjacent-pair) RoPE; qwen2: q/k/v biases, NeoX RoPE; "
                             "qwen3: per-head q/k RMSNorm before RoPE, NeoX RoPE")
    parser.add_argument("--dtype", choices=sorted(FILE_TYPE), default="f32",
                        help="storage type of the matrices (1-D tensors stay f32)")
    parser.add_argument("--n-embd", type=int, default=256, help="embedding length")
    parser.add_argument("--n-ff", type=int, default=512, help="feed-forward length")
    parser.add_argument("--n-head", type=int, default=4, help="attention heads")
    parser.add_argument("--n-head-kv", type=int, default=2, help="key/value heads (grouped-query attention)")
    parser.add_argument("--n-layer", type=int, default=2, help="transformer blocks")
    parser.add_argument("--n-vocab", type=int, default=400, help="vocabulary size (rows of token_embd)")
    parser.add_argument("--ctx", type=int, default=128, help="context_length (training context)")
    parser.add_argument("--head-dim", type=int, default=None,
                        help="head dimension; writes attention.key_length/value_length "
                             "(default: n_embd / n_head, keys written only for qwen3)")
    parser.add_argument("--tied", action="store_true",
                        help="no output.weight: the output projection reuses token_embd.weight")
    parser.add_argument("--rope-scaling", choices=["none", "linear", "yarn", "llama3"], default="none",
                        help="linear: rope.scaling.type/factor; yarn: also "
                             "rope.scaling.original_context_length; llama3: a rope_freqs.weight "
                             "tensor of per-pair frequency divisors (llama only, no keys)")
    parser.add_argument("--rope-base", type=float, default=None,
                        help="rope.freq_base (default: 10000 llama, 1000000 qwen2/qwen3)")
    parser.add_argument("--rope-factor", type=float, default=4.0,
                        help="scaling factor (linear, yarn, llama3)")
    parser.add_argument("--rope-orig-ctx", type=int, default=None,
                        help="original context for yarn / llama3 (default: ctx/4, at least 16, so "
                             "the scaling changes the tiny model's outputs)")
    parser.add_argument("--rope-attn-factor", type=float, default=None,
                        help="writes rope.scaling.attn_factor (RoPE magnitude factor)")
    parser.add_argument("--rope-low-freq-factor", type=float, default=1.0, help="llama3 low_freq_factor")
    parser.add_argument("--rope-high-freq-factor", type=float, default=4.0, help="llama3 high_freq_factor")
    parser.add_argument("--rms-eps", type=float, default=None,
                        help="attention.layer_norm_rms_epsilon (default: 1e-5 llama, 1e-6 qwen)")
    parser.add_argument("--tokenizer", choices=["llama", "gpt2"], default=None,
                        help="llama: SentencePiece-style (<unk> <s> </s>, 256 <0xXX> byte tokens, "
                             "'▁' pieces with descending scores); gpt2: byte-level BPE (256 "
                             "byte symbols, merges, special tokens). Default: llama for --arch "
                             "llama, gpt2 for qwen2/qwen3")
    parser.add_argument("--pre", choices=sorted(BPE_SPECIALS), default=None,
                        help="gpt2 pre-tokenizer (tokenizer.ggml.pre) and its special tokens: "
                             "llama-bpe (<|begin_of_text|> ... <|eot_id|>) or qwen2 "
                             "(<|endoftext|> <|im_start|> <|im_end|>). Default: by --arch")
    parser.add_argument("--add-bos", action=argparse.BooleanOptionalAction, default=None,
                        help="tokenizer.ggml.add_bos_token (default: true, false for qwen2 pre)")
    parser.add_argument("--add-eos", action=argparse.BooleanOptionalAction, default=False,
                        help="tokenizer.ggml.add_eos_token")
    parser.add_argument("--chat-template", default=None,
                        help="tokenizer.chat_template (default: llama-2 [INST] style for the llama "
                             "tokenizer, llama-3 headers for llama-bpe, ChatML for qwen2)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the weights")
    parser.add_argument("--gain", type=float, default=1.0,
                        help="multiplies every weight-matrix std (1 gives logits of std ~1.5)")
    parser.add_argument("--alignment", type=int, default=32,
                        help="tensor data alignment; other than 32 writes general.alignment")
    parser.add_argument("--gguf-version", type=int, choices=[2, 3], default=3, help="GGUF version")
    parser.add_argument("--name", default=None, help="general.name (default: hearth-tiny-ARCH)")
    args = parser.parse_args(argv)
    spec = ModelSpec(**{field.name: getattr(args, field.name)
                        for field in dataclasses.fields(ModelSpec)})
    generate(spec, args.out)
    resolved = spec.resolved()
    print(f"wrote {args.out}: {resolved.arch} {resolved.dtype}, n_embd {resolved.n_embd}, "
          f"n_ff {resolved.n_ff}, heads {resolved.n_head}/{resolved.n_head_kv} x "
          f"{resolved.n_embd_head}, layers {resolved.n_layer}, vocab {resolved.n_vocab} "
          f"({resolved.tokenizer}), rope {resolved.rope_scaling}, "
          f"{'tied' if resolved.tied else 'untied'}, seed {resolved.seed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
