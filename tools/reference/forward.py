#!/usr/bin/python3
"""Independent NumPy reference forward pass of a GGUF language model (llama, qwen2, qwen3).

    forward.py MODEL.gguf --tokens 1,5,9 --out logits.npy [--kv-f16] [--hidden hidden.npy]

Processes the token sequence causally (token t at position t, attending to positions 0..t) and
writes the logits of every position: logits.npy is float32 of shape (n_tokens, n_vocab), row t
the next-token logits after token t. --hidden writes the final normed hidden states (after
output_norm, before the output projection): float32 (n_tokens, n_embd).

Precision: every weight is dequantized to float32 by tools/dequant.py (so a quantized model is
run exactly "on its dequantized weights"), then all arithmetic is float64; only the outputs are
rounded to float32. --kv-f16 rounds K (after RoPE) and V to float16 before attention, as an F16
KV cache does; nothing else is rounded.

The math, per layer (x is the residual stream, shape (n_tokens, n_embd)):

    h = rms_norm(x) * attn_norm
    q = h Wq^T (+ bq), k = h Wk^T (+ bk), v = h Wv^T (+ bv)      split into heads
    qwen3: q = rms_norm_per_head(q) * attn_q_norm, k likewise
    q, k = rope(q, pos), rope(k, pos)           mode normal (llama) or neox (qwen2, qwen3)
    o_h = softmax(q_h k_g^T / sqrt(head_dim) + causal mask) v_g    g = h // (n_head / n_head_kv)
    x = x + o Wo^T
    h = rms_norm(x) * ffn_norm
    x = x + (silu(h Wgate^T) * (h Wup^T)) Wdown^T
then hidden = rms_norm(x) * output_norm and logits = hidden Wout^T (Wout = token_embd if tied).
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import pathlib
import sys
from typing import List, Optional

import numpy as np

TOOLS = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOOLS))
from dequant import dequantize, dequantize_tensor  # noqa: E402
from hearth_gguf import GGUFError, GGUFReader, tensor_nbytes  # noqa: E402

F64 = np.float64
ROPE_MODE = {"llama": "normal", "qwen2": "neox", "qwen3": "neox"}


# ---------------------------------------------------------------------------------------------
# Configuration (metadata keys and defaults as llama.cpp reads them)
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Config:
    arch: str
    n_vocab: int
    n_embd: int
    n_layer: int
    n_ff: int
    n_head: int
    n_head_kv: int
    head_dim_k: int
    head_dim_v: int
    n_rot: int
    rms_eps: float
    rope_mode: str            # "normal": pairs (2i, 2i+1); "neox": pairs (i, i + n_rot/2)
    freq_base: float
    freq_scale: float         # 1 / scaling factor (linear and yarn); 1 without scaling
    ext_factor: float         # 1 for yarn, else 0
    attn_factor: float        # rope.scaling.attn_factor, default 1
    beta_fast: float
    beta_slow: float
    n_ctx_orig: int
    scaling_type: Optional[str]  # rope.scaling.type as written (None: absent, means linear)


def read_config(gguf: GGUFReader) -> Config:
    md = gguf.metadata
    arch = md.get("general.architecture")
    if arch not in ROPE_MODE:
        raise SystemExit(f"unsupported architecture {arch!r} (supported: {', '.join(ROPE_MODE)})")

    def key(suffix, default=None, required=False):
        name = f"{arch}.{suffix}"
        if name not in md:
            if required:
                raise SystemExit(f"metadata key {name} is missing")
            return default
        value = md[name]
        if isinstance(value, np.ndarray):
            if value.size and not np.all(value == value[0]):
                raise SystemExit(f"{name}: per-layer values are not supported")
            value = value[0].item()
        return value

    n_embd = key("embedding_length", required=True)
    n_head = key("attention.head_count", required=True)
    head_dim_k = key("attention.key_length", n_embd // n_head)
    head_dim_v = key("attention.value_length", n_embd // n_head)
    n_ctx_train = key("context_length", required=True)
    scaling_type = key("rope.scaling.type", None)
    if scaling_type not in (None, "none", "linear", "yarn"):
        raise SystemExit(f"rope.scaling.type {scaling_type!r} is not supported")
    factor = key("rope.scaling.factor", None)
    if factor is None:
        factor = key("rope.scale_linear", 0.0)
    freq_scale = 1.0 if factor == 0.0 else 1.0 / factor
    if scaling_type == "none":
        freq_scale = 1.0
    n_vocab = len(md["tokenizer.ggml.tokens"]) if "tokenizer.ggml.tokens" in md else None
    n_vocab = key("vocab_size", n_vocab)
    if n_vocab is None:
        n_vocab = gguf.tensor("token_embd.weight").shape[1]
    return Config(
        arch=arch, n_vocab=n_vocab, n_embd=n_embd, n_layer=key("block_count", required=True),
        n_ff=key("feed_forward_length", required=True), n_head=n_head,
        n_head_kv=key("attention.head_count_kv", n_head), head_dim_k=head_dim_k,
        head_dim_v=head_dim_v, n_rot=key("rope.dimension_count", head_dim_k),
        rms_eps=key("attention.layer_norm_rms_epsilon", required=True),
        rope_mode=ROPE_MODE[arch], freq_base=key("rope.freq_base", 10000.0),
        freq_scale=freq_scale, ext_factor=1.0 if scaling_type == "yarn" else 0.0,
        attn_factor=key("rope.scaling.attn_factor", 1.0), beta_fast=32.0, beta_slow=1.0,
        n_ctx_orig=key("rope.scaling.original_context_length", n_ctx_train),
        scaling_type=scaling_type)


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------

def rms_norm(x: np.ndarray, eps: float) -> np.ndarray:
    """x / sqrt(mean(x^2) + eps) over the last axis."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)


def silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


def yarn_corr_dims(cfg: Config):
    """The dimension-pair range [low, high] over which YaRN ramps from extrapolation to
    interpolation: corr_dim(beta) = n_rot * ln(n_ctx_orig / (2 pi beta)) / (2 ln base)."""
    def corr_dim(n_rotations):
        return cfg.n_rot * math.log(cfg.n_ctx_orig / (n_rotations * 2 * math.pi)) / (2 * math.log(cfg.freq_base))
    low = max(0.0, math.floor(corr_dim(cfg.beta_fast)))
    high = min(cfg.n_rot - 1.0, math.ceil(corr_dim(cfg.beta_slow)))
    return low, high


def rope_cos_sin(cfg: Config, positions: np.ndarray, freq_factors: Optional[np.ndarray]):
    """cos and sin (each (n_tokens, n_rot/2), already times the magnitude factor mscale) of the
    angle of every rotated pair i at every position p:

        theta_extrap = p * base^(-2i/n_rot) / freq_factors[i]
        theta_interp = freq_scale * theta_extrap
        no YaRN: theta = theta_interp,                       mscale = attn_factor
        YaRN:    ramp_i = 1 - clamp((i - low) / max(0.001, high - low), 0, 1)
                 theta = theta_interp * (1 - ramp_i) + theta_extrap * ramp_i
                 mscale = attn_factor * (1 + 0.1 ln(1 / freq_scale))"""
    pair_idx = np.arange(cfg.n_rot // 2, dtype=F64)
    inv_freq = cfg.freq_base ** (-2.0 * pair_idx / cfg.n_rot)
    if freq_factors is not None:
        inv_freq = inv_freq / freq_factors.astype(F64)[: cfg.n_rot // 2]
    theta_extrap = positions.astype(F64)[:, None] * inv_freq[None, :]
    theta_interp = cfg.freq_scale * theta_extrap
    mscale = cfg.attn_factor
    if cfg.ext_factor != 0.0:
        low, high = yarn_corr_dims(cfg)
        ramp = 1.0 - np.clip((pair_idx - low) / max(0.001, high - low), 0.0, 1.0)
        mix = ramp * cfg.ext_factor
        theta = theta_interp * (1.0 - mix) + theta_extrap * mix
        mscale *= 1.0 + 0.1 * math.log(1.0 / cfg.freq_scale)
    else:
        theta = theta_interp
    return np.cos(theta) * mscale, np.sin(theta) * mscale


def rope(x: np.ndarray, cos: np.ndarray, sin: np.ndarray, n_rot: int, mode: str) -> np.ndarray:
    """Rotates the first n_rot entries of each head vector. x: (n_tokens, n_heads, head_dim);
    cos, sin: (n_tokens, n_rot/2). Pair i is (2i, 2i+1) in normal mode, (i, i + n_rot/2) in neox:
        x0' = x0 cos - x1 sin,  x1' = x0 sin + x1 cos"""
    out = x.copy()
    cos, sin = cos[:, None, :], sin[:, None, :]
    if mode == "normal":
        x0, x1 = x[..., 0:n_rot:2], x[..., 1:n_rot:2]
        out[..., 0:n_rot:2] = x0 * cos - x1 * sin
        out[..., 1:n_rot:2] = x0 * sin + x1 * cos
    else:
        half = n_rot // 2
        x0, x1 = x[..., :half], x[..., half:n_rot]
        out[..., :half] = x0 * cos - x1 * sin
        out[..., half:n_rot] = x0 * sin + x1 * cos
    return out


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------

class Model:
    def __init__(self, path):
        self.gguf = GGUFReader(path)
        self.cfg = read_config(self.gguf)

    def has(self, name: str) -> bool:
        return name in self.gguf.tensors

    def weight(self, name: str) -> np.ndarray:
        """Dequantized float32 -> float64, NumPy shape = GGUF shape reversed (out, in)."""
        return dequantize_tensor(self.gguf.tensor(name)).astype(F64)

    def maybe(self, name: str) -> Optional[np.ndarray]:
        return self.weight(name) if self.has(name) else None

    def linear(self, x: np.ndarray, prefix: str) -> np.ndarray:
        """x W^T + b, with W = prefix.weight and b = prefix.bias when the file has it (qwen2)."""
        y = x @ self.weight(prefix + ".weight").T
        bias = self.maybe(prefix + ".bias")
        return y if bias is None else y + bias

    def rows(self, name: str, first: int, count: int) -> np.ndarray:
        """Rows first..first+count-1 of a 2-D weight, dequantized (a row is whole blocks)."""
        info = self.gguf.tensor(name)
        row_len = info.shape[0]
        row_bytes = tensor_nbytes(info.type, (row_len,))
        raw = info.data[first * row_bytes:(first + count) * row_bytes]
        return dequantize(raw, info.type, count * row_len).reshape(count, row_len).astype(F64)

    def project_rows(self, x: np.ndarray, name: str, chunk: int = 8192) -> np.ndarray:
        """x @ W^T for a large W (the output projection), a chunk of W's rows at a time."""
        n_out = self.gguf.tensor(name).shape[1]
        return np.concatenate([x @ self.rows(name, first, min(chunk, n_out - first)).T
                               for first in range(0, n_out, chunk)], axis=1)

    def forward(self, tokens: List[int], kv_f16: bool = False):
        """Returns (logits (n_tokens, n_vocab), hidden (n_tokens, n_embd)), both float64."""
        cfg = self.cfg
        n_tokens = len(tokens)
        token_ids = np.asarray(tokens, dtype=np.int64)
        if n_tokens == 0:
            raise SystemExit("no tokens")
        if token_ids.min() < 0 or token_ids.max() >= cfg.n_vocab:
            raise SystemExit(f"token ids must be in 0..{cfg.n_vocab - 1}")
        positions = np.arange(n_tokens)
        freq_factors = self.maybe("rope_freqs.weight")
        cos, sin = rope_cos_sin(cfg, positions, freq_factors)     # (n_tokens, n_rot/2)
        group = cfg.n_head // cfg.n_head_kv                          # query heads per kv head
        kq_scale = 1.0 / math.sqrt(cfg.head_dim_k)
        causal = np.triu(np.full((n_tokens, n_tokens), -np.inf), k=1)  # (query t, key s): s > t

        # --- embeddings: row t of token_embd (ne [n_embd, n_vocab]) is token t's vector -----
        x = np.stack([self.rows("token_embd.weight", int(token), 1)[0] for token in token_ids])

        for layer in range(cfg.n_layer):
            blk = f"blk.{layer}."

            # --- attention --------------------------------------------------------------
            h = rms_norm(x, cfg.rms_eps) * self.weight(blk + "attn_norm.weight")
            q = self.linear(h, blk + "attn_q")                       # (n_tokens, n_head * hd_k)
            k = self.linear(h, blk + "attn_k")                       # (n_tokens, n_head_kv * hd_k)
            v = self.linear(h, blk + "attn_v")                       # (n_tokens, n_head_kv * hd_v)
            q = q.reshape(n_tokens, cfg.n_head, cfg.head_dim_k)
            k = k.reshape(n_tokens, cfg.n_head_kv, cfg.head_dim_k)
            v = v.reshape(n_tokens, cfg.n_head_kv, cfg.head_dim_v)
            q_norm, k_norm = self.maybe(blk + "attn_q_norm.weight"), self.maybe(blk + "attn_k_norm.weight")
            if q_norm is not None:                                   # qwen3: per-head RMSNorm
                q = rms_norm(q, cfg.rms_eps) * q_norm
            if k_norm is not None:
                k = rms_norm(k, cfg.rms_eps) * k_norm
            q = rope(q, cos, sin, cfg.n_rot, cfg.rope_mode)
            k = rope(k, cos, sin, cfg.n_rot, cfg.rope_mode)
            if kv_f16:                                               # what an F16 KV cache stores
                k = k.astype(np.float16).astype(F64)
                v = v.astype(np.float16).astype(F64)

            heads = []
            for head in range(cfg.n_head):
                kv_head = head // group
                scores = q[:, head, :] @ k[:, kv_head, :].T * kq_scale + causal  # (n_tokens, n_tokens)
                scores -= scores.max(axis=1, keepdims=True)
                probs = np.exp(scores)
                probs /= probs.sum(axis=1, keepdims=True)
                heads.append(probs @ v[:, kv_head, :])               # (n_tokens, hd_v)
            attn = np.concatenate(heads, axis=1)                     # (n_tokens, n_head * hd_v)
            x = x + attn @ self.weight(blk + "attn_output.weight").T

            # --- feed-forward: down(silu(gate(h)) * up(h)) ------------------------------
            h = rms_norm(x, cfg.rms_eps) * self.weight(blk + "ffn_norm.weight")
            gate = h @ self.weight(blk + "ffn_gate.weight").T        # (n_tokens, n_ff)
            up = h @ self.weight(blk + "ffn_up.weight").T
            x = x + (silu(gate) * up) @ self.weight(blk + "ffn_down.weight").T

        # --- output -------------------------------------------------------------------------
        hidden = rms_norm(x, cfg.rms_eps) * self.weight("output_norm.weight")
        output = "output.weight" if self.has("output.weight") else "token_embd.weight"  # tied
        logits = self.project_rows(hidden, output)                   # (n_tokens, n_vocab)
        return logits, hidden


def parse_tokens(text: str) -> List[int]:
    try:
        return [int(piece) for piece in text.replace(" ", "").split(",") if piece]
    except ValueError:
        raise SystemExit(f"--tokens must be comma-separated integers, got {text!r}") from None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="NumPy reference forward pass (float64 inside) of a llama / qwen2 / qwen3 "
                    "GGUF model over a token sequence; writes every position's logits.")
    parser.add_argument("model", help="GGUF model (any type tools/dequant.py reads)")
    parser.add_argument("--tokens", required=True, help="comma-separated token ids, e.g. 1,5,9")
    parser.add_argument("--out", help="logits .npy: float32 (n_tokens, n_vocab)")
    parser.add_argument("--hidden", help="final normed hidden states .npy: float32 (n_tokens, n_embd)")
    parser.add_argument("--kv-f16", action="store_true",
                        help="round K (after RoPE) and V to float16 before attention (F16 KV cache)")
    parser.add_argument("--top", type=int, default=5, help="print the top-N tokens of each position")
    args = parser.parse_args(argv)
    try:
        model = Model(args.model)
    except (GGUFError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    tokens = parse_tokens(args.tokens)
    logits, hidden = model.forward(tokens, kv_f16=args.kv_f16)
    if args.out:
        np.save(args.out, logits.astype(np.float32))
    if args.hidden:
        np.save(args.hidden, hidden.astype(np.float32))
    cfg = model.cfg
    print(f"{cfg.arch}: {len(tokens)} tokens, {cfg.n_layer} layers, heads {cfg.n_head}/{cfg.n_head_kv} "
          f"x {cfg.head_dim_k}, rope {cfg.rope_mode} base {cfg.freq_base:g} "
          f"scaling {cfg.scaling_type or '(no key)'} "
          f"(freq_scale {cfg.freq_scale:g}, ext {cfg.ext_factor:g})"
          + (", rope_freqs" if model.has("rope_freqs.weight") else "")
          + (", kv f16" if args.kv_f16 else ""))
    tokens_text = model.gguf.metadata.get("tokenizer.ggml.tokens")
    for pos in range(len(tokens)):
        top = np.argsort(-logits[pos], kind="stable")[: args.top]
        shown = ", ".join(f"{idx}" + (f" {tokens_text[idx]!r}" if tokens_text else "")
                          + f" {logits[pos, idx]:.4f}" for idx in top)
        print(f"  pos {pos:3d} token {tokens[pos]:6d} -> {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
