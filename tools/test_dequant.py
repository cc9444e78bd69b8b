#!/usr/bin/python3
"""Known-answer tests of tools/dequant.py.

Each test packs chosen quantized values into a block with a small packer written from the
layout description (tensor/blocks.h), independently of the dequantizer's unpacking, and checks
the decoded floats against the format's formula evaluated by hand. Scales are chosen so every
product is exact in float32, so the comparisons are exact. Run: tools/test_dequant.py"""
import os
import pathlib
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

TOOLS = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))
from dequant import dequantize  # noqa: E402
from hearth_gguf import BLOCK_GEOMETRY, GGMLType, GGUFWriter  # noqa: E402


def half(value: float) -> bytes:
    packed = struct.pack("<e", value)
    assert struct.unpack("<e", packed)[0] == value, value
    return packed


# --- packers, one per format, from the layout comments --------------------------------------

def pack_q4_0(d, q):        # q: 32 values 0..15; qs[j] = q[j] | q[j + 16] << 4
    qs = bytes(q[j] | q[j + 16] << 4 for j in range(16))
    return half(d) + qs


def pack_q4_1(d, m, q):
    return half(d) + half(m) + bytes(q[j] | q[j + 16] << 4 for j in range(16))


def pack_q5(q):             # q: 32 values 0..31 -> (qh u32, qs[16])
    qh = 0
    for j in range(32):
        qh |= (q[j] >> 4) << j
    qs = bytes((q[j] & 15) | (q[j + 16] & 15) << 4 for j in range(16))
    return struct.pack("<I", qh), qs


def pack_q5_0(d, q):
    qh, qs = pack_q5(q)
    return half(d) + qh + qs


def pack_q5_1(d, m, q):
    qh, qs = pack_q5(q)
    return half(d) + half(m) + qh + qs


def pack_q8_0(d, q):
    return half(d) + struct.pack("<32b", *q)


def pack_q2_k(d, dmin, sc, mn, q):  # 16 sub-blocks of 16; q 0..3; sc, mn 0..15
    scales = bytes(sc[i] | mn[i] << 4 for i in range(16))
    qs = bytearray(64)
    for e in range(256):
        h, rest = divmod(e, 128)
        j, l = divmod(rest, 32)
        qs[32 * h + l] |= q[e] << (2 * j)
    return scales + bytes(qs) + half(d) + half(dmin)


def pack_q3_k(d, scales, values):  # scales -32..31 (16); values -4..3 (256)
    hmask = bytearray(32)
    qs = bytearray(64)
    for e in range(256):
        h, rest = divmod(e, 128)
        j, l = divmod(rest, 32)
        high = 1 if values[e] >= 0 else 0          # a set bit means "no -4"
        low = values[e] if high else values[e] + 4
        qs[32 * h + l] |= low << (2 * j)
        hmask[l] |= high << (4 * h + j)
    packed = bytearray(12)
    for i in range(16):
        u = scales[i] + 32
        if i < 8:
            packed[i] |= u & 15
        else:
            packed[i - 8] |= (u & 15) << 4
        packed[8 + i % 4] |= (u >> 4) << (2 * (i // 4))
    return bytes(hmask) + bytes(qs) + bytes(packed) + half(d)


def pack_k4_scales(sc, mn):  # 8 scales and 8 mins, 6 bits each -> 12 bytes
    b = bytearray(12)
    for j in range(8):
        if j < 4:
            b[j] |= sc[j]
            b[j + 4] |= mn[j]
        else:
            b[j + 4] |= (sc[j] & 15) | (mn[j] & 15) << 4
            b[j - 4] |= (sc[j] >> 4) << 6
            b[j] |= (mn[j] >> 4) << 6
    return bytes(b)


def pack_k_nibbles(q):  # 256 values, low 4 bits used
    qs = bytearray(128)
    for e in range(256):
        c, rest = divmod(e, 64)
        hi, l = divmod(rest, 32)
        qs[32 * c + l] |= (q[e] & 15) << (4 * hi)
    return bytes(qs)


def pack_q4_k(d, dmin, sc, mn, q):
    return half(d) + half(dmin) + pack_k4_scales(sc, mn) + pack_k_nibbles(q)


def pack_q5_k(d, dmin, sc, mn, q):  # q 0..31
    qh = bytearray(32)
    for e in range(256):
        s, l = divmod(e, 32)
        qh[l] |= (q[e] >> 4) << s
    return half(d) + half(dmin) + pack_k4_scales(sc, mn) + bytes(qh) + pack_k_nibbles(q)


def pack_q6_k(d, scales, values):  # scales int8 (16); values -32..31 (256)
    ql = bytearray(128)
    qh = bytearray(64)
    for e in range(256):
        h, rest = divmod(e, 128)
        g, l = divmod(rest, 32)
        u = values[e] + 32
        ql[64 * h + 32 * (g & 1) + l] |= (u & 15) << (4 if g >= 2 else 0)
        qh[32 * h + l] |= (u >> 4) << (2 * g)
    return bytes(ql) + bytes(qh) + struct.pack("<16b", *scales) + half(d)


class KnownAnswers(unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(1234)

    def ints(self, low, high, n):
        return [int(v) for v in self.rng.integers(low, high + 1, size=n)]

    def check(self, ggml_type, blob, expected):
        got = dequantize(blob, ggml_type, len(expected))
        np.testing.assert_array_equal(got, np.asarray(expected, dtype=np.float32),
                                      err_msg=ggml_type.name)

    def test_plain_floats(self):
        values = [0.0, -0.0, 1.5, -65504.0, 2.0 ** -24, float("inf")]
        self.check(GGMLType.F32, struct.pack("<6f", *values), values)
        self.check(GGMLType.F16, struct.pack("<6e", *values), values)
        bf16 = struct.pack("<4H", 0x3FC0, 0xC000, 0x0001, 0x7F80)
        self.check(GGMLType.BF16, bf16, [1.5, -2.0, 2.0 ** -133, float("inf")])

    def test_q4_0_hand_block(self):
        # d = 0.5, q = 0..15 then 15..0: x = 0.5 * (q - 8); byte j = q[j] | q[j + 16] << 4.
        q = list(range(16)) + list(range(15, -1, -1))
        blob = half(0.5) + bytes(q[j] | q[j + 16] << 4 for j in range(16))
        self.assertEqual(blob[2], 0xF0)  # element 0 (q=0) low, element 16 (q=15) high
        self.check(GGMLType.Q4_0, blob, [0.5 * (v - 8) for v in q])

    def test_32_element_formats(self):
        for _ in range(20):
            d, m = float(self.rng.choice([0.25, -0.75, 1.5, 3.0])), float(self.rng.choice([-2.5, 0.125]))
            q4, q5, q8 = self.ints(0, 15, 32), self.ints(0, 31, 32), self.ints(-128, 127, 32)
            self.check(GGMLType.Q4_0, pack_q4_0(d, q4), [d * (v - 8) for v in q4])
            self.check(GGMLType.Q4_1, pack_q4_1(d, m, q4), [d * v + m for v in q4])
            self.check(GGMLType.Q5_0, pack_q5_0(d, q5), [d * (v - 16) for v in q5])
            self.check(GGMLType.Q5_1, pack_q5_1(d, m, q5), [d * v + m for v in q5])
            self.check(GGMLType.Q8_0, pack_q8_0(d, q8), [d * v for v in q8])

    def test_q5_fifth_bit_positions(self):
        # Only element 3 and element 19 have the fifth bit: qh = bit 3 | bit 19.
        q = [0] * 32
        q[3], q[19] = 16, 31
        blob = pack_q5_0(1.0, q)
        self.assertEqual(struct.unpack("<I", blob[2:6])[0], (1 << 3) | (1 << 19))
        expected = [-16.0] * 32
        expected[3], expected[19] = 0.0, 15.0
        self.check(GGMLType.Q5_0, blob, expected)

    def test_k_quants(self):
        for _ in range(10):
            d, dmin = float(self.rng.choice([0.5, -0.25, 2.0])), float(self.rng.choice([0.125, 1.0]))
            sc16, mn16 = self.ints(0, 15, 16), self.ints(0, 15, 16)
            q2 = self.ints(0, 3, 256)
            self.check(GGMLType.Q2_K, pack_q2_k(d, dmin, sc16, mn16, q2),
                       [d * sc16[e // 16] * q2[e] - dmin * mn16[e // 16] for e in range(256)])

            s3, v3 = self.ints(-32, 31, 16), self.ints(-4, 3, 256)
            self.check(GGMLType.Q3_K, pack_q3_k(d, s3, v3),
                       [d * s3[e // 16] * v3[e] for e in range(256)])

            sc8, mn8 = self.ints(0, 63, 8), self.ints(0, 63, 8)
            q4 = self.ints(0, 15, 256)
            self.check(GGMLType.Q4_K, pack_q4_k(d, dmin, sc8, mn8, q4),
                       [d * sc8[e // 32] * q4[e] - dmin * mn8[e // 32] for e in range(256)])

            q5 = self.ints(0, 31, 256)
            self.check(GGMLType.Q5_K, pack_q5_k(d, dmin, sc8, mn8, q5),
                       [d * sc8[e // 32] * q5[e] - dmin * mn8[e // 32] for e in range(256)])

            s6, v6 = self.ints(-128, 127, 16), self.ints(-32, 31, 256)
            self.check(GGMLType.Q6_K, pack_q6_k(d, s6, v6),
                       [d * s6[e // 16] * v6[e] for e in range(256)])

    def test_k_scale_packing_by_hand(self):
        # Q4_K sub-block 5 (elements 160..191) with scale 37 = 0b100101, min 50 = 0b110010:
        # low nibbles in byte 9 (5 | 2 << 4), high bits in the top of bytes 1 and 5.
        sc = [1, 1, 1, 1, 1, 37, 1, 1]
        mn = [0, 0, 0, 0, 0, 50, 0, 0]
        packed = pack_k4_scales(sc, mn)
        self.assertEqual(packed[9], 0x25)
        self.assertEqual(packed[1] >> 6, 2)
        self.assertEqual(packed[5] >> 6, 3)
        q = [1] * 256
        blob = pack_q4_k(1.0, 1.0, sc, mn, q)
        got = dequantize(blob, GGMLType.Q4_K, 256)
        self.assertEqual(got[160], 37.0 - 50.0)
        self.assertEqual(got[0], 1.0)

    def test_multi_block_order(self):
        # Three Q8_0 blocks with different scales: block k covers elements 32k..32k+31.
        q = list(range(-16, 16))
        blob = pack_q8_0(1.0, q) + pack_q8_0(2.0, q) + pack_q8_0(-0.5, q)
        expected = [s * v for s in (1.0, 2.0, -0.5) for v in q]
        self.check(GGMLType.Q8_0, blob, expected)

    def test_size_mismatch_is_refused(self):
        with self.assertRaises(ValueError):
            dequantize(b"\0" * 18, GGMLType.Q4_0, 64)
        with self.assertRaises(ValueError):
            dequantize(b"\0" * 18, GGMLType.Q4_0, 16)
        with self.assertRaises(NotImplementedError):
            dequantize(b"\0" * 66, GGMLType.IQ2_XXS, 256)

    def test_cli_writes_npy(self):
        q = self.ints(0, 15, 64)
        blob = pack_q4_0(0.5, q[:32]) + pack_q4_0(-1.0, q[32:])
        writer = GGUFWriter()
        writer.add_string("general.architecture", "llama")
        writer.add_tensor("w", blob, GGMLType.Q4_0, shape=(32, 2))  # 2 rows of 32
        with tempfile.TemporaryDirectory() as folder:
            model = os.path.join(folder, "m.gguf")
            out = os.path.join(folder, "w.npy")
            writer.write(model)
            subprocess.run([sys.executable, str(TOOLS / "dequant.py"), model, "w", "--out", out],
                           check=True, capture_output=True)
            got = np.load(out)
        self.assertEqual(got.shape, (2, 32))
        self.assertEqual(got.dtype, np.float32)
        np.testing.assert_array_equal(got[0], [0.5 * (v - 8) for v in q[:32]])
        np.testing.assert_array_equal(got[1], [-1.0 * (v - 8) for v in q[32:]])

    def test_random_bytes_decode_everywhere(self):
        # Any bit pattern is a valid block: decoding must neither fail nor produce a wrong size.
        for ggml_type in (GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q5_1,
                          GGMLType.Q8_0, GGMLType.Q2_K, GGMLType.Q3_K, GGMLType.Q4_K,
                          GGMLType.Q5_K, GGMLType.Q6_K):
            block_size, block_bytes = BLOCK_GEOMETRY[ggml_type]
            raw = self.rng.integers(0, 256, size=7 * block_bytes, dtype=np.uint8)
            with np.errstate(all="ignore"):
                self.assertEqual(dequantize(raw, ggml_type, 7 * block_size).size, 7 * block_size)


if __name__ == "__main__":
    unittest.main()
