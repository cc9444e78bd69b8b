#!/usr/bin/python3
"""Tests of tools/hearth_gguf.py: round trips of every value type and of tensors, and refusal
(GGUFError, never another exception) of malformed files. Run: tools/test_gguf.py"""
import os
import pathlib
import struct
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from hearth_gguf import (GGMLType, GGUFArray, GGUFError, GGUFReader, GGUFWriter,  # noqa: E402
                         ValueType, bf16_bits_to_float32, float32_to_bf16_bits)


def every_value_type(writer: GGUFWriter) -> None:
    writer.add_u8("t.u8", 255)
    writer.add_i8("t.i8", -128)
    writer.add_u16("t.u16", 65535)
    writer.add_i16("t.i16", -32768)
    writer.add_u32("t.u32", 2**32 - 1)
    writer.add_i32("t.i32", -2**31)
    writer.add_u64("t.u64", 2**64 - 1)
    writer.add_i64("t.i64", -2**63)
    writer.add_f32("t.f32", 0.1)
    writer.add_f64("t.f64", 0.1)
    writer.add_bool("t.bool", True)
    writer.add_string("t.string", "héllo ▁wörld <|im_end|>")
    writer.add_string("t.empty", "")
    writer.add_array("t.strings", ["a", "", "▁the", "<0x0A>"], ValueType.STRING)
    writer.add_array("t.f32s", np.array([0.0, -1.5, 3.25], dtype=np.float32), ValueType.FLOAT32)
    writer.add_array("t.i32s", [1, -2, 3], ValueType.INT32)
    writer.add_array("t.u8s", [0, 255], ValueType.UINT8)
    writer.add_array("t.bools", [True, False, True], ValueType.BOOL)
    writer.add_array("t.empty_array", [], ValueType.UINT64)
    writer.add_array("t.nested", [
        GGUFArray(ValueType.INT16, [1, 2]),
        GGUFArray(ValueType.STRING, ["x", "yz"]),
        GGUFArray(ValueType.ARRAY, [GGUFArray(ValueType.FLOAT64, [2.5])]),
    ], ValueType.ARRAY)


class RoundTrip(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "t.gguf")

    def tearDown(self):
        self.dir.cleanup()

    def check_values(self, gguf):
        md, types = gguf.metadata, gguf.types
        self.assertEqual(md["t.u8"], 255)
        self.assertEqual(md["t.i8"], -128)
        self.assertEqual(md["t.u16"], 65535)
        self.assertEqual(md["t.i16"], -32768)
        self.assertEqual(md["t.u32"], 2**32 - 1)
        self.assertEqual(md["t.i32"], -2**31)
        self.assertEqual(md["t.u64"], 2**64 - 1)
        self.assertEqual(md["t.i64"], -2**63)
        self.assertEqual(md["t.f32"], float(np.float32(0.1)))
        self.assertEqual(md["t.f64"], 0.1)
        self.assertIs(md["t.bool"], True)
        self.assertEqual(md["t.string"], "héllo ▁wörld <|im_end|>")
        self.assertEqual(md["t.empty"], "")
        self.assertEqual(md["t.strings"], ["a", "", "▁the", "<0x0A>"])
        np.testing.assert_array_equal(md["t.f32s"], [0.0, -1.5, 3.25])
        self.assertEqual(md["t.f32s"].dtype, np.float32)
        np.testing.assert_array_equal(md["t.i32s"], [1, -2, 3])
        np.testing.assert_array_equal(md["t.u8s"], [0, 255])
        np.testing.assert_array_equal(md["t.bools"], [True, False, True])
        self.assertEqual(len(md["t.empty_array"]), 0)
        self.assertEqual(types["t.u32"], (ValueType.UINT32, None))
        self.assertEqual(types["t.strings"], (ValueType.ARRAY, ValueType.STRING))
        self.assertEqual(types["t.nested"], (ValueType.ARRAY, ValueType.ARRAY))
        nested = md["t.nested"]
        self.assertEqual(nested[0].elem_type, ValueType.INT16)
        np.testing.assert_array_equal(nested[0].values, [1, 2])
        self.assertEqual(nested[1].values, ["x", "yz"])
        self.assertEqual(nested[2].values[0].elem_type, ValueType.FLOAT64)
        np.testing.assert_array_equal(nested[2].values[0].values, [2.5])

    def test_metadata_v3_and_v2(self):
        for version in (2, 3):
            writer = GGUFWriter(version=version)
            every_value_type(writer)
            writer.write(self.path)
            gguf = GGUFReader(self.path)
            self.assertEqual(gguf.version, version)
            self.check_values(gguf)
            self.assertEqual(list(gguf.tensors), [])

    def test_tensors_and_alignment(self):
        rng = np.random.default_rng(1)
        for alignment in (32, 64, 1, 256):
            writer = GGUFWriter(alignment=alignment)
            every_value_type(writer)
            matrix = rng.standard_normal((3, 5)).astype(np.float32)  # 3 rows of 5
            halves = rng.standard_normal((2, 7)).astype(np.float16)
            bf16 = float32_to_bf16_bits(rng.standard_normal(9).astype(np.float32))
            q4 = rng.integers(0, 256, size=2 * 18, dtype=np.uint8)
            writer.add_tensor("m", matrix)
            writer.add_tensor("h", halves)
            writer.add_tensor("b", bf16, GGMLType.BF16)
            writer.add_tensor("q", q4.tobytes(), GGMLType.Q4_0, shape=(32, 2))
            writer.add_tensor("v4", np.zeros((1, 2, 3, 4), np.float32))
            writer.write(self.path)
            gguf = GGUFReader(self.path)
            self.assertEqual(gguf.alignment, alignment)
            self.assertEqual(gguf.data_offset % alignment, 0)
            if alignment != 32:
                self.assertEqual(gguf.metadata["general.alignment"], alignment)
            self.check_values(gguf)
            self.assertEqual(list(gguf.tensors), ["m", "h", "b", "q", "v4"])
            m = gguf.tensors["m"]
            self.assertEqual((m.type, m.shape, m.np_shape), (GGMLType.F32, (5, 3), (3, 5)))
            np.testing.assert_array_equal(m.data.view(np.float32).reshape(m.np_shape), matrix)
            h = gguf.tensors["h"]
            self.assertEqual((h.type, h.shape), (GGMLType.F16, (7, 2)))
            np.testing.assert_array_equal(h.data.view(np.float16).reshape(2, 7), halves)
            b = gguf.tensors["b"]
            self.assertEqual((b.type, b.shape), (GGMLType.BF16, (9,)))
            np.testing.assert_array_equal(b.data.view(np.uint16), bf16)
            q = gguf.tensors["q"]
            self.assertEqual((q.type, q.shape, q.n_bytes), (GGMLType.Q4_0, (32, 2), 36))
            np.testing.assert_array_equal(q.data, q4)
            self.assertEqual(gguf.tensors["v4"].shape, (4, 3, 2, 1))
            for info in gguf.tensors.values():
                self.assertEqual(info.offset % alignment, 0)

    def test_copy_metadata_keeps_types(self):
        writer = GGUFWriter()
        every_value_type(writer)
        writer.write(self.path)
        first = GGUFReader(self.path)
        copy = GGUFWriter()
        copy.copy_metadata(first)
        copy_path = self.path + ".copy"
        copy.write(copy_path)
        with open(self.path, "rb") as a, open(copy_path, "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_bf16_rounding(self):
        # 1 + 2^-8 is a tie between 1 and 1 + 2^-7: round to even (1.0); 1 + 3 * 2^-8 is a tie
        # between 1 + 2^-7 and 1 + 2^-6: round to even (1 + 2^-6); 1 + 1.5 * 2^-8 rounds up.
        values = np.array([1.0, 1.00390625, 1.01171875, 1.005859375, -2.0, np.inf], np.float32)
        expected = np.array([1.0, 1.0, 1.015625, 1.0078125, -2.0, np.inf], np.float32)
        got = bf16_bits_to_float32(float32_to_bf16_bits(values))
        np.testing.assert_array_equal(got, expected)
        nan_bits = float32_to_bf16_bits(np.array([np.nan], dtype=np.float32))
        self.assertTrue(np.isnan(bf16_bits_to_float32(nan_bits))[0])

    def test_writer_refuses_bad_values(self):
        writer = GGUFWriter()
        with self.assertRaises(GGUFError):
            writer.add_u8("k", 256)
        with self.assertRaises(GGUFError):
            writer.add_u32("k", -1)
        with self.assertRaises(GGUFError):
            writer.add_i32("k", 1.5)
        with self.assertRaises(GGUFError):
            writer.add_array("k", [1, 2], ValueType.ARRAY)
        with self.assertRaises(GGUFError):
            writer.add_tensor("q", b"\0" * 18, GGMLType.Q4_0, shape=(16, 1))
        with self.assertRaises(GGUFError):
            writer.add_tensor("q", b"\0" * 17, GGMLType.Q4_0, shape=(32, 1))


class Malformed(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "bad.gguf")
        writer = GGUFWriter()
        every_value_type(writer)
        writer.add_tensor("a", np.arange(8, dtype=np.float32))
        writer.add_tensor("b", np.arange(18, dtype=np.uint8).tobytes(), GGMLType.Q4_0, shape=(32, 1))
        self.good = writer.to_bytes()

    def tearDown(self):
        self.dir.cleanup()

    def read(self, blob: bytes):
        with open(self.path, "wb") as out:
            out.write(blob)
        return GGUFReader(self.path)

    def expect_error(self, blob: bytes, fragment: str = ""):
        with self.assertRaises(GGUFError) as caught:
            self.read(blob)
        self.assertIn(fragment, str(caught.exception))

    def test_good_file_reads(self):
        self.assertEqual(list(self.read(self.good).tensors), ["a", "b"])

    def test_every_truncation_is_refused(self):
        # Tensor data ends at the last byte of tensor 'b' (the writer pads after it).
        end = len(self.good) - (-18 % 32)
        for length in range(0, end):
            with self.assertRaises(GGUFError, msg=f"length {length}"):
                self.read(self.good[:length])

    def test_random_corruption_never_crashes(self):
        rng = np.random.default_rng(7)
        for _ in range(400):
            blob = bytearray(self.good)
            for _ in range(rng.integers(1, 4)):
                blob[rng.integers(0, 400)] = rng.integers(0, 256)
            try:
                self.read(bytes(blob))
            except GGUFError:
                pass

    def test_header_errors(self):
        self.expect_error(b"GGUF" + b"\0" * 8, "too short")
        self.expect_error(b"GGML" + self.good[4:], "not a GGUF file")
        self.expect_error(self.good[:4] + struct.pack("<I", 1) + self.good[8:], "version 1")
        self.expect_error(self.good[:4] + struct.pack(">I", 3) + self.good[8:], "big-endian")
        self.expect_error(self.good[:4] + struct.pack("<I", 4) + self.good[8:], "version 4")
        self.expect_error(self.good[:8] + struct.pack("<Q", 2**40) + self.good[16:], "tensors")
        self.expect_error(self.good[:16] + struct.pack("<Q", 2**40) + self.good[24:], "metadata")

    def test_value_errors(self):
        def file_with(payload: bytes, n_tensors=0) -> bytes:
            return struct.pack("<IIQQ", 0x46554747, 3, n_tensors, 1) + payload

        def key(name: str, vtype: int) -> bytes:
            return struct.pack("<Q", len(name)) + name.encode() + struct.pack("<I", vtype)

        self.expect_error(file_with(key("k", 13) + b"\0" * 8), "unknown value type 13")
        self.expect_error(file_with(key("k", 7) + b"\x02" + b"\0" * 8), "not 0 or 1")
        self.expect_error(file_with(key("k", 8) + struct.pack("<Q", 2**50)), "claims a length")
        self.expect_error(file_with(key("k", 8) + struct.pack("<Q", 2) + b"\xff\xfe"), "UTF-8")
        self.expect_error(file_with(key("k", 9) + struct.pack("<IQ", 4, 2**40)), "claims")
        self.expect_error(file_with(key("k", 9) + struct.pack("<IQ", 8, 2**40)), "claims")
        self.expect_error(file_with(key("k", 9) + struct.pack("<IQ", 99, 0)), "unknown value type")
        nested = key("k", 9)
        for _ in range(5):
            nested += struct.pack("<IQ", 9, 1)
        self.expect_error(file_with(nested + struct.pack("<IQ", 0, 0)), "nested deeper")
        two = struct.pack("<IIQQ", 0x46554747, 3, 0, 2) + key("k", 0) + b"\1" + key("k", 0) + b"\2"
        self.expect_error(two + b"\0" * 16, "appears twice")
        align = file_with(key("general.alignment", 4) + struct.pack("<I", 48)) + b"\0" * 16
        self.expect_error(align, "not a power of two")
        align = file_with(key("general.alignment", 5) + struct.pack("<i", 64)) + b"\0" * 16
        self.expect_error(align, "must be a uint32")

    def tensor_file(self, infos, data_size=256, alignment=32) -> bytes:
        head = struct.pack("<IIQQ", 0x46554747, 3, len(infos), 0)
        for name, dims, ggml_type, offset in infos:
            head += struct.pack("<Q", len(name)) + name.encode() + struct.pack("<I", len(dims))
            head += struct.pack(f"<{len(dims)}Q", *dims) + struct.pack("<IQ", ggml_type, offset)
        head += b"\0" * (-len(head) % alignment)
        return head + b"\0" * data_size

    def test_tensor_errors(self):
        self.assertEqual(self.read(self.tensor_file([("t", (8, 2), 0, 0)])).tensors["t"].shape, (8, 2))
        self.expect_error(self.tensor_file([("t", (), 0, 0)]), "dimensions")
        self.expect_error(self.tensor_file([("t", (1, 1, 1, 1, 1), 0, 0)]), "dimensions")
        self.expect_error(self.tensor_file([("t", (8,), 5, 0)]), "unknown type 5")
        self.expect_error(self.tensor_file([("t", (16,), 2, 0)]), "block size")
        self.expect_error(self.tensor_file([("t", (8,), 0, 16)]), "not a multiple of the alignment")
        self.expect_error(self.tensor_file([("t", (8,), 0, 0), ("t", (8,), 0, 32)]), "twice")
        self.expect_error(self.tensor_file([("t", (8,), 0, 0), ("u", (16,), 0, 0)]), "overlap")
        self.expect_error(self.tensor_file([("t", (72,), 0, 0)]), "past the end")
        self.expect_error(self.tensor_file([("t", (2**62, 4), 0, 0)]), "too many elements")
        self.expect_error(self.tensor_file([("t", (2**63,), 0, 0)]), "too large")


if __name__ == "__main__":
    unittest.main()
