"""The demo model in PyTorch: the llama architecture exactly as Hearth runs it.

    x = token_embd[tokens]                                   # (T, n_embd)
    for each block:
        h = attn_norm(x); x = x + attn_output(attention(rope(attn_q h), rope(attn_k h), attn_v h))
        h = ffn_norm(x);  x = x + ffn_down(silu(ffn_gate h) * ffn_up h)
    logits = output_norm(x) @ token_embd.T                   # tied: output.weight is token_embd

RMSNorm: x / sqrt(mean(x^2) + eps) * w. RoPE in llama's "normal" mode: the pairs of adjacent
elements (2i, 2i+1) of each head are rotated by p * base^(-2i / head_dim); since the model is
trained here from scratch, the GGUF gets Q and K without the row permutation llama.cpp's
converter applies to Hugging Face weights. Attention is causal, scaled by 1/sqrt(head_dim).

Dropout (training only) is applied to the embeddings and to both residual branches.

Parameter names are the GGUF tensor names with '.' turned into '_' inside a block
(blocks.0.attn_q.weight <-> blk.0.attn_q.weight), see gguf_tensor_names().
"""
from __future__ import annotations

import dataclasses
import math
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from torch import nn


@dataclasses.dataclass
class Config:
    n_vocab: int = 4096
    n_ctx: int = 256
    n_embd: int = 256
    n_layer: int = 6
    n_head: int = 4
    n_ff: int = 768
    rms_eps: float = 1e-5
    rope_base: float = 10000.0
    dropout: float = 0.0

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(config: Config, n_positions: int):
    """cos, sin of shape (n_positions, head_dim / 2)."""
    exponents = torch.arange(0, config.head_dim, 2, dtype=torch.float64) / config.head_dim
    inv_freq = config.rope_base ** (-exponents)
    angles = torch.arange(n_positions, dtype=torch.float64)[:, None] * inv_freq[None, :]
    return torch.cos(angles).float(), torch.sin(angles).float()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x: (B, n_head, T, head_dim); rotates the adjacent pairs (2i, 2i+1)."""
    even, odd = x[..., 0::2], x[..., 1::2]
    rotated_even = even * cos - odd * sin
    rotated_odd = even * sin + odd * cos
    return torch.stack((rotated_even, rotated_odd), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        self.config = config
        d, f = config.n_embd, config.n_ff
        self.attn_norm = RMSNorm(d, config.rms_eps)
        self.attn_q = nn.Linear(d, d, bias=False)
        self.attn_k = nn.Linear(d, d, bias=False)
        self.attn_v = nn.Linear(d, d, bias=False)
        self.attn_output = nn.Linear(d, d, bias=False)
        self.ffn_norm = RMSNorm(d, config.rms_eps)
        self.ffn_gate = nn.Linear(d, f, bias=False)
        self.ffn_up = nn.Linear(d, f, bias=False)
        self.ffn_down = nn.Linear(f, d, bias=False)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x, cos, sin, mask):
        batch, n_tokens, d = x.shape
        heads, head_dim = self.config.n_head, self.config.head_dim

        def split(t):  # (B, T, d) -> (B, n_head, T, head_dim)
            return t.view(batch, n_tokens, heads, head_dim).transpose(1, 2)

        h = self.attn_norm(x)
        q = apply_rope(split(self.attn_q(h)), cos, sin)
        k = apply_rope(split(self.attn_k(h)), cos, sin)
        v = split(self.attn_v(h))
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(head_dim)) + mask
        attn = torch.softmax(scores, dim=-1) @ v
        attn = attn.transpose(1, 2).reshape(batch, n_tokens, d)
        x = x + self.dropout(self.attn_output(attn))
        h = self.ffn_norm(x)
        x = x + self.dropout(self.ffn_down(F.silu(self.ffn_gate(h)) * self.ffn_up(h)))
        return x


class Llama(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        self.config = config
        self.token_embd = nn.Embedding(config.n_vocab, config.n_embd)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.output_norm = RMSNorm(config.n_embd, config.rms_eps)
        self.dropout = nn.Dropout(config.dropout)
        cos, sin = rope_tables(config, config.n_ctx)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """GPT-2 style: N(0, 0.02), the projections into the residual stream scaled down by
        sqrt(2 * n_layer); norms start at 1."""
        for name, param in self.named_parameters():
            if name.endswith("norm.weight"):
                nn.init.ones_(param)
            elif name.endswith(("attn_output.weight", "ffn_down.weight")):
                nn.init.normal_(param, 0.0, 0.02 / math.sqrt(2 * self.config.n_layer))
            else:
                nn.init.normal_(param, 0.0, 0.02)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens (B, T) -> logits (B, T, n_vocab); positions 0..T-1."""
        n_tokens = tokens.shape[1]
        if n_tokens > self.rope_cos.shape[0]:
            raise ValueError(f"{n_tokens} tokens exceed the context of {self.rope_cos.shape[0]}")
        cos, sin = self.rope_cos[:n_tokens], self.rope_sin[:n_tokens]
        mask = torch.full((n_tokens, n_tokens), float("-inf")).triu(1)
        x = self.dropout(self.token_embd(tokens))
        for block in self.blocks:
            x = block(x, cos, sin, mask)
        return self.output_norm(x) @ self.token_embd.weight.T

    def n_params(self) -> int:
        return sum(param.numel() for param in self.parameters())


def gguf_tensor_names(model: Llama) -> Dict[str, str]:
    """torch parameter name -> GGUF tensor name."""
    names = {"token_embd.weight": "token_embd.weight", "output_norm.weight": "output_norm.weight"}
    for name, _ in model.named_parameters():
        if name.startswith("blocks."):
            _, block_idx, rest = name.split(".", 2)
            names[name] = f"blk.{block_idx}.{rest}"
    return names


@torch.no_grad()
def generate_greedy(model: Llama, prompt: List[int], n_tokens: int,
                    stop_ids: Optional[set] = None) -> List[int]:
    """Greedy continuation (recomputing the whole sequence each step: the model is small). Stops
    after a token of stop_ids, which is included in the result."""
    model.eval()
    ids = list(prompt)
    out: List[int] = []
    for _ in range(n_tokens):
        if len(ids) >= model.config.n_ctx:
            break
        logits = model(torch.tensor([ids]))[0, -1]
        token = int(torch.argmax(logits))
        out.append(token)
        ids.append(token)
        if stop_ids and token in stop_ids:
            break
    return out
