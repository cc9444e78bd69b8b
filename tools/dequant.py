#!/usr/bin/python3
"""NumPy dequantization of the GGUF tensor types Hearth computes, vectorised over blocks.

Types: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K.

Written from the block layouts (tensor/blocks.h; ggml-common.h). The float operations are done
in float32 in the same order as the format's defining C expressions, one rounding per operation
and no fused multiply-add, so the results are bit-exact with a scalar C dequantizer compiled
without FMA contraction:

    Q4_0  x = float(q - 8) * d                Q4_1  x = float(q) * d + m
    Q5_0  x = float(q - 16) * d               Q5_1  x = float(q) * d + m
    Q8_0  x = float(q) * d
    Q2_K  x = (d * sc) * q - (dmin * mn)      Q3_K  x = (d * (sc - 32)) * (q - 4 * !hbit)
    Q4_K  x = (d * sc) * q - (dmin * mn)      Q5_K  same with q += 16 * hbit
    Q6_K  x = (d * sc) * (q - 32)

(d, dmin, m are the block's halves widened to float32; parentheses show the rounding order.)

CLI:
    dequant.py FILE TENSOR_NAME --out x.npy     # float32, NumPy shape = GGUF shape reversed
    dequant.py FILE --list                      # tensor names, types and shapes
"""
from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Callable, Dict

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from hearth_gguf import BLOCK_GEOMETRY, GGMLType, GGUFError, GGUFReader, TensorInfo  # noqa: E402

F32 = np.float32


def _blocks(raw: np.ndarray, ggml_type: GGMLType, n_elements: int) -> np.ndarray:
    """Raw bytes -> (n_blocks, block_bytes) uint8 view, after checking the size."""
    block_size, block_bytes = BLOCK_GEOMETRY[ggml_type]
    if n_elements % block_size:
        raise ValueError(f"{n_elements} elements is not a whole number of {ggml_type.name} blocks "
                         f"({block_size} elements each)")
    n_blocks = n_elements // block_size
    raw = np.frombuffer(raw, dtype=np.uint8) if not isinstance(raw, np.ndarray) else raw
    raw = raw.reshape(-1)
    if raw.size != n_blocks * block_bytes:
        raise ValueError(f"{ggml_type.name}: {raw.size} bytes given, {n_elements} elements need "
                         f"{n_blocks * block_bytes}")
    return raw.reshape(n_blocks, block_bytes)


def _half(blocks: np.ndarray, offset: int) -> np.ndarray:
    """The little-endian binary16 at byte `offset` of each block, widened to float32: (nb, 1)."""
    return np.ascontiguousarray(blocks[:, offset:offset + 2]).view("<f2").astype(F32)


def _u32(blocks: np.ndarray, offset: int) -> np.ndarray:
    """The little-endian u32 at byte `offset` of each block: (nb, 1) uint32."""
    return np.ascontiguousarray(blocks[:, offset:offset + 4]).view("<u4")


# ---------------------------------------------------------------------------------------------
# Plain floats
# ---------------------------------------------------------------------------------------------

def _dequant_f32(blocks):
    return np.ascontiguousarray(blocks).view("<f4").reshape(-1).astype(F32)


def _dequant_f16(blocks):
    # Exact widening. A signalling NaN comes back quiet (quiet bit set), as hardware conversion
    # (F16C) and ggml's conversion table give it.
    out = np.ascontiguousarray(blocks).view("<f2").reshape(-1).astype(F32)
    bits = out.view(np.uint32)
    bits[np.isnan(out)] |= np.uint32(0x00400000)
    return out


def _dequant_bf16(blocks):
    bits = np.ascontiguousarray(blocks).view("<u2").reshape(-1).astype(np.uint32)
    return (bits << 16).view(F32)


# ---------------------------------------------------------------------------------------------
# 32-element blocks. qs[j] holds element j (low nibble) and element j + 16 (high nibble).
# ---------------------------------------------------------------------------------------------

def _nibbles(qs: np.ndarray) -> np.ndarray:
    """(nb, 16) bytes -> (nb, 32) values: low nibbles are elements 0..15, high ones 16..31."""
    return np.concatenate([qs & 0x0F, qs >> 4], axis=1)


def _fifth_bits(qh: np.ndarray) -> np.ndarray:
    """(nb, 1) u32 -> (nb, 32) values 0 or 16: bit j of qh is the fifth bit of element j."""
    bit_idx = np.arange(32, dtype=np.uint32)
    return (((qh >> bit_idx) & 1) << 4).astype(np.uint8)


def _dequant_q4_0(blocks):                          # d:f16 | qs[16]
    d = _half(blocks, 0)
    q = _nibbles(blocks[:, 2:18]).astype(np.int8) - np.int8(8)
    return (q.astype(F32) * d).reshape(-1)


def _dequant_q4_1(blocks):                          # d:f16 | m:f16 | qs[16]
    d, m = _half(blocks, 0), _half(blocks, 2)
    q = _nibbles(blocks[:, 4:20])
    return (q.astype(F32) * d + m).reshape(-1)


def _dequant_q5_0(blocks):                          # d:f16 | qh[4] | qs[16]
    d = _half(blocks, 0)
    q = (_nibbles(blocks[:, 6:22]) | _fifth_bits(_u32(blocks, 2))).astype(np.int8) - np.int8(16)
    return (q.astype(F32) * d).reshape(-1)


def _dequant_q5_1(blocks):                          # d:f16 | m:f16 | qh[4] | qs[16]
    d, m = _half(blocks, 0), _half(blocks, 2)
    q = _nibbles(blocks[:, 8:24]) | _fifth_bits(_u32(blocks, 4))
    return (q.astype(F32) * d + m).reshape(-1)


def _dequant_q8_0(blocks):                          # d:f16 | qs[32] int8
    d = _half(blocks, 0)
    q = blocks[:, 2:34].view(np.int8)
    return (q.astype(F32) * d).reshape(-1)


# ---------------------------------------------------------------------------------------------
# K-quants: 256-element super-blocks.
# ---------------------------------------------------------------------------------------------

def _crumbs_2bit(qs: np.ndarray) -> np.ndarray:
    """Q2_K / Q3_K low bits: (nb, 64) bytes -> (nb, 256) values 0..3.

    Element e = 128*h + 32*j + l (h < 2, j < 4, l < 32) is bits 2j..2j+1 of qs[32*h + l]."""
    qs = qs.reshape(-1, 2, 1, 32)                                  # (nb, h, 1, l)
    shifts = (2 * np.arange(4, dtype=np.uint8)).reshape(1, 1, 4, 1)  # (1, 1, j, 1)
    return ((qs >> shifts) & 3).reshape(-1, 256)


def _dequant_q2_k(blocks):                          # scales[16] | qs[64] | d:f16 | dmin:f16
    d, dmin = _half(blocks, 80), _half(blocks, 82)
    scales = blocks[:, 0:16]
    dl = d * (scales & 0x0F).astype(F32)             # (nb, 16): one per 16-element sub-block
    ml = dmin * (scales >> 4).astype(F32)
    q = _crumbs_2bit(blocks[:, 16:80]).astype(F32)
    sub = np.arange(256) // 16
    return (dl[:, sub] * q - ml[:, sub]).reshape(-1)


def _q3_k_scales(packed: np.ndarray) -> np.ndarray:
    """(nb, 12) bytes -> (nb, 16) 6-bit scales minus 32 (int8).

    Scale i: low 4 bits = low nibble of byte i (i < 8) or high nibble of byte i - 8 (i >= 8);
    high 2 bits = bits 2*(i // 4) .. +1 of byte 8 + i % 4."""
    idx = np.arange(16)
    low = np.where(idx < 8, packed[:, idx % 8] & 0x0F, packed[:, idx % 8] >> 4)
    high = (packed[:, 8 + idx % 4] >> (2 * (idx // 4)).astype(np.uint8)) & 3
    return (low | (high << 4)).astype(np.int8) - np.int8(32)


def _dequant_q3_k(blocks):                          # hmask[32] | qs[64] | scales[12] | d:f16
    d = _half(blocks, 108)
    dl = d * _q3_k_scales(blocks[:, 96:108]).astype(F32)           # (nb, 16)
    low = _crumbs_2bit(blocks[:, 32:96]).astype(np.int8)
    # High bit of element e = 128*h + 32*j + l is bit (4*h + j) of hmask[l]; a clear bit means -4.
    hmask = blocks[:, 0:32].reshape(-1, 1, 1, 32)                  # (nb, 1, 1, l)
    bit = np.arange(8, dtype=np.uint8).reshape(1, 2, 4, 1)          # (1, h, j, 1)
    high_set = ((hmask >> bit) & 1).reshape(-1, 256)
    q = (low - np.where(high_set == 1, np.int8(0), np.int8(4))).astype(F32)
    sub = np.arange(256) // 16
    return (dl[:, sub] * q).reshape(-1)


def _k4_scales_mins(packed: np.ndarray):
    """Q4_K / Q5_K: (nb, 12) bytes -> (sc, mn), each (nb, 8) 6-bit values.

    j < 4:  sc = b[j] & 63,                         mn = b[j+4] & 63
    j >= 4: sc = (b[j+4] & 15) | (b[j-4] >> 6) << 4, mn = (b[j+4] >> 4) | (b[j] >> 6) << 4"""
    b = packed
    sc = np.empty((b.shape[0], 8), dtype=np.uint8)
    mn = np.empty((b.shape[0], 8), dtype=np.uint8)
    sc[:, 0:4] = b[:, 0:4] & 63
    mn[:, 0:4] = b[:, 4:8] & 63
    sc[:, 4:8] = (b[:, 8:12] & 0x0F) | ((b[:, 0:4] >> 6) << 4)
    mn[:, 4:8] = (b[:, 8:12] >> 4) | ((b[:, 4:8] >> 6) << 4)
    return sc, mn


def _k_nibbles(qs: np.ndarray) -> np.ndarray:
    """Q4_K / Q5_K: (nb, 128) bytes -> (nb, 256) values 0..15.

    Chunk c < 4 of 64 elements: elements 64c + l are the low nibbles of qs[32c + l], elements
    64c + 32 + l the high nibbles (l < 32)."""
    qs = qs.reshape(-1, 4, 1, 32)
    return np.concatenate([qs & 0x0F, qs >> 4], axis=2).reshape(-1, 256)


def _dequant_q4_k(blocks):                          # d | dmin | scales[12] | qs[128]
    d, dmin = _half(blocks, 0), _half(blocks, 2)
    sc, mn = _k4_scales_mins(blocks[:, 4:16])
    d_sub = d * sc.astype(F32)                        # (nb, 8): one per 32-element sub-block
    m_sub = dmin * mn.astype(F32)
    q = _k_nibbles(blocks[:, 16:144]).astype(F32)
    sub = np.arange(256) // 32
    return (d_sub[:, sub] * q - m_sub[:, sub]).reshape(-1)


def _dequant_q5_k(blocks):                          # d | dmin | scales[12] | qh[32] | qs[128]
    d, dmin = _half(blocks, 0), _half(blocks, 2)
    sc, mn = _k4_scales_mins(blocks[:, 4:16])
    d_sub = d * sc.astype(F32)
    m_sub = dmin * mn.astype(F32)
    low = _k_nibbles(blocks[:, 48:176])
    # Fifth bit of element 32*s + l (sub-block s < 8) is bit s of qh[l].
    qh = blocks[:, 16:48].reshape(-1, 1, 32)
    bit = np.arange(8, dtype=np.uint8).reshape(1, 8, 1)
    high = (((qh >> bit) & 1) << 4).reshape(-1, 256)
    q = (low | high).astype(F32)
    sub = np.arange(256) // 32
    return (d_sub[:, sub] * q - m_sub[:, sub]).reshape(-1)


def _dequant_q6_k(blocks):                          # ql[128] | qh[64] | scales[16] int8 | d
    d = _half(blocks, 208)
    scales = blocks[:, 192:208].view(np.int8)
    d_sub = d * scales.astype(F32)                    # (nb, 16): one per 16-element sub-block
    # Element e = 128*h + 32*g + l (h < 2, g < 4, l < 32):
    #   low 4 bits: nibble (g >= 2 ? high : low) of ql[64*h + 32*(g & 1) + l]
    #   high 2 bits: bits 2g..2g+1 of qh[32*h + l]
    ql = blocks[:, 0:128].reshape(-1, 2, 2, 32)                    # (nb, h, g & 1, l)
    low = np.concatenate([ql & 0x0F, ql >> 4], axis=2)             # (nb, h, g, l)
    qh = blocks[:, 128:192].reshape(-1, 2, 1, 32)                  # (nb, h, 1, l)
    shifts = (2 * np.arange(4, dtype=np.uint8)).reshape(1, 1, 4, 1)
    high = (qh >> shifts) & 3
    q = ((low | (high << 4)).astype(np.int8) - np.int8(32)).reshape(-1, 256).astype(F32)
    sub = np.arange(256) // 16
    return (d_sub[:, sub] * q).reshape(-1)


DEQUANTIZERS: Dict[GGMLType, Callable[[np.ndarray], np.ndarray]] = {
    GGMLType.F32: _dequant_f32, GGMLType.F16: _dequant_f16, GGMLType.BF16: _dequant_bf16,
    GGMLType.Q4_0: _dequant_q4_0, GGMLType.Q4_1: _dequant_q4_1,
    GGMLType.Q5_0: _dequant_q5_0, GGMLType.Q5_1: _dequant_q5_1, GGMLType.Q8_0: _dequant_q8_0,
    GGMLType.Q2_K: _dequant_q2_k, GGMLType.Q3_K: _dequant_q3_k, GGMLType.Q4_K: _dequant_q4_k,
    GGMLType.Q5_K: _dequant_q5_k, GGMLType.Q6_K: _dequant_q6_k,
}


def dequantize(raw, ggml_type, n_elements: int) -> np.ndarray:
    """Raw tensor bytes (bytes or uint8 array) of `ggml_type` -> flat float32 array."""
    ggml_type = GGMLType(ggml_type)
    if ggml_type not in DEQUANTIZERS:
        raise NotImplementedError(f"dequantization of {ggml_type.name} is not implemented")
    blocks = _blocks(raw, ggml_type, n_elements)
    out = DEQUANTIZERS[ggml_type](blocks)
    assert out.dtype == F32 and out.size == n_elements
    return out


def dequantize_tensor(info: TensorInfo) -> np.ndarray:
    """A GGUF tensor -> float32 array of NumPy shape reversed(ne) (rows last-dimension-major)."""
    return dequantize(info.data, info.type, info.n_elements).reshape(info.np_shape)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Dequantize one tensor of a GGUF file to a float32 .npy (for cross-checks "
                    "against the C++ dequantizer). The array's NumPy shape is the GGUF shape "
                    "reversed: a weight with ne = [n_in, n_out] becomes (n_out, n_in).")
    parser.add_argument("file", help="GGUF file")
    parser.add_argument("tensor", nargs="?", help="tensor name, e.g. blk.0.attn_q.weight")
    parser.add_argument("--out", help="output .npy path (float32)")
    parser.add_argument("--list", action="store_true", help="list the tensors and exit")
    args = parser.parse_args(argv)
    try:
        gguf = GGUFReader(args.file)
    except (GGUFError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.list or not args.tensor:
        for info in gguf.tensors.values():
            supported = "" if info.type in DEQUANTIZERS else "  (not supported)"
            print(f"{info.name:40s} {info.type.name:6s} {list(info.shape)}{supported}")
        return 0
    if args.tensor not in gguf.tensors:
        print(f"error: {args.file} has no tensor '{args.tensor}'", file=sys.stderr)
        return 1
    info = gguf.tensors[args.tensor]
    try:
        values = dequantize_tensor(info)
    except (NotImplementedError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.out:
        np.save(args.out, values)
    print(f"{info.name}: {info.type.name} {list(info.shape)} -> float32 {values.shape}; "
          f"min {values.min():.6g} max {values.max():.6g} mean {values.mean():.6g}"
          + (f"; wrote {args.out}" if args.out else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
