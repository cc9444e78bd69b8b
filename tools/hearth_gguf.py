#!/usr/bin/python3
"""A small, self-contained GGUF (versions 2 and 3, little-endian) reader and writer.

Pure Python + NumPy (Debian's /usr/bin/python3). Written from the format description, for
Hearth's test tools; the C++ reader in formats/ is the one the engine uses.

File layout (all little-endian):

    u32 magic "GGUF" | u32 version | u64 n_tensors | u64 n_kv
    n_kv      x { string key | u32 value_type | value }
    n_tensors x { string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset }
    zero padding to `alignment` (general.alignment, default 32)
    tensor data: tensor i at data_start + offset_i, each offset a multiple of the alignment

A string is a u64 byte length + UTF-8 bytes (no terminator). An array is a u32 element type +
u64 count + the elements (arrays may hold strings or further arrays). Shapes are innermost first:
ne[0] is the row length, so a matrix of `rows` rows of `cols` elements has ne = [cols, rows] and
is a NumPy array of shape (rows, cols). Versions 2 and 3 are identical on little-endian machines
(3 only added big-endian files, which this module refuses); version 1 (32-bit counts) is refused.

Reading:

    gguf = GGUFReader("model.gguf")
    gguf.metadata["llama.block_count"]   -> 2
    gguf.types["llama.block_count"]      -> (ValueType.UINT32, None)
    info = gguf.tensors["token_embd.weight"]
    info.type, info.shape, info.data     -> GGMLType.F16, (256, 400), uint8 memmap view

Metadata values come back as Python int / float / bool / str; arrays of strings as list[str];
numeric arrays as 1-D NumPy arrays of the matching dtype; arrays of arrays as list[GGUFArray].

Writing:

    writer = GGUFWriter(version=3, alignment=32)
    writer.add_string("general.architecture", "llama")
    writer.add_u32("llama.block_count", 2)
    writer.add_array("tokenizer.ggml.tokens", ["<unk>", "<s>"], ValueType.STRING)
    writer.add_tensor("token_embd.weight", np_array_f32)              # F32, shape from NumPy
    writer.add_tensor("w", raw_bytes, GGMLType.Q4_0, shape=(256, 8))  # raw blocks, ne order
    writer.write("out.gguf")

Every count, length, offset and size read from a file is checked against the bytes that remain
before it is used; a malformed file raises GGUFError with a message naming the problem.
"""
from __future__ import annotations

import dataclasses
import enum
import os
import struct
import tempfile
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

GGUF_MAGIC = 0x46554747  # b"GGUF" read as a little-endian u32
DEFAULT_ALIGNMENT = 32
MAX_DIMS = 4
MAX_ARRAY_DEPTH = 4
MAX_KEY_BYTES = 65535
MAX_TENSOR_NAME_BYTES = 1024


class GGUFError(ValueError):
    """A file (or a value to write) that does not follow the GGUF format."""


class ValueType(enum.IntEnum):
    UINT8 = 0
    INT8 = 1
    UINT16 = 2
    INT16 = 3
    UINT32 = 4
    INT32 = 5
    FLOAT32 = 6
    BOOL = 7
    STRING = 8
    ARRAY = 9
    UINT64 = 10
    INT64 = 11
    FLOAT64 = 12


# Fixed-width value types: struct format and NumPy dtype (little-endian).
_SCALAR_FORMAT = {
    ValueType.UINT8: "<B", ValueType.INT8: "<b", ValueType.UINT16: "<H", ValueType.INT16: "<h",
    ValueType.UINT32: "<I", ValueType.INT32: "<i", ValueType.FLOAT32: "<f", ValueType.BOOL: "<B",
    ValueType.UINT64: "<Q", ValueType.INT64: "<q", ValueType.FLOAT64: "<d",
}
_SCALAR_DTYPE = {
    ValueType.UINT8: np.dtype("<u1"), ValueType.INT8: np.dtype("<i1"),
    ValueType.UINT16: np.dtype("<u2"), ValueType.INT16: np.dtype("<i2"),
    ValueType.UINT32: np.dtype("<u4"), ValueType.INT32: np.dtype("<i4"),
    ValueType.FLOAT32: np.dtype("<f4"), ValueType.BOOL: np.dtype("bool"),
    ValueType.UINT64: np.dtype("<u8"), ValueType.INT64: np.dtype("<i8"),
    ValueType.FLOAT64: np.dtype("<f8"),
}
_INT_RANGE = {
    ValueType.UINT8: (0, 2**8 - 1), ValueType.INT8: (-2**7, 2**7 - 1),
    ValueType.UINT16: (0, 2**16 - 1), ValueType.INT16: (-2**15, 2**15 - 1),
    ValueType.UINT32: (0, 2**32 - 1), ValueType.INT32: (-2**31, 2**31 - 1),
    ValueType.UINT64: (0, 2**64 - 1), ValueType.INT64: (-2**63, 2**63 - 1),
}


class GGMLType(enum.IntEnum):
    """Tensor element types, numbered as GGUF numbers them (ggml_type)."""
    F32 = 0
    F16 = 1
    Q4_0 = 2
    Q4_1 = 3
    Q5_0 = 6
    Q5_1 = 7
    Q8_0 = 8
    Q8_1 = 9
    Q2_K = 10
    Q3_K = 11
    Q4_K = 12
    Q5_K = 13
    Q6_K = 14
    Q8_K = 15
    IQ2_XXS = 16
    IQ2_XS = 17
    IQ3_XXS = 18
    IQ1_S = 19
    IQ4_NL = 20
    IQ3_S = 21
    IQ2_S = 22
    IQ4_XS = 23
    I8 = 24
    I16 = 25
    I32 = 26
    I64 = 27
    F64 = 28
    IQ1_M = 29
    BF16 = 30
    TQ1_0 = 34
    TQ2_0 = 35


# (elements per block, bytes per block) for every type a GGUF file may name.
BLOCK_GEOMETRY: Dict[GGMLType, Tuple[int, int]] = {
    GGMLType.F32: (1, 4), GGMLType.F16: (1, 2), GGMLType.BF16: (1, 2),
    GGMLType.Q4_0: (32, 18), GGMLType.Q4_1: (32, 20), GGMLType.Q5_0: (32, 22),
    GGMLType.Q5_1: (32, 24), GGMLType.Q8_0: (32, 34), GGMLType.Q8_1: (32, 36),
    GGMLType.Q2_K: (256, 84), GGMLType.Q3_K: (256, 110), GGMLType.Q4_K: (256, 144),
    GGMLType.Q5_K: (256, 176), GGMLType.Q6_K: (256, 210), GGMLType.Q8_K: (256, 292),
    GGMLType.IQ2_XXS: (256, 66), GGMLType.IQ2_XS: (256, 74), GGMLType.IQ3_XXS: (256, 98),
    GGMLType.IQ1_S: (256, 50), GGMLType.IQ4_NL: (32, 18), GGMLType.IQ3_S: (256, 110),
    GGMLType.IQ2_S: (256, 82), GGMLType.IQ4_XS: (256, 136), GGMLType.I8: (1, 1),
    GGMLType.I16: (1, 2), GGMLType.I32: (1, 4), GGMLType.I64: (1, 8), GGMLType.F64: (1, 8),
    GGMLType.IQ1_M: (256, 56), GGMLType.TQ1_0: (256, 54), GGMLType.TQ2_0: (256, 66),
}


def type_from_name(name: str) -> GGMLType:
    """'q4_k', 'Q4_K', 'f16' -> GGMLType."""
    for member in GGMLType:
        if member.name.lower() == name.lower():
            return member
    raise ValueError(f"unknown tensor type '{name}'")


def tensor_nbytes(ggml_type: GGMLType, shape: Sequence[int]) -> int:
    """Bytes of a tensor of `shape` (ne order); rows must be whole blocks."""
    block_size, block_bytes = BLOCK_GEOMETRY[GGMLType(ggml_type)]
    if shape[0] % block_size != 0:
        raise GGUFError(f"a row of {shape[0]} elements is not a whole number of "
                        f"{GGMLType(ggml_type).name} blocks ({block_size} elements each)")
    n_elements = 1
    for extent in shape:
        n_elements *= int(extent)
    return n_elements // block_size * block_bytes


@dataclasses.dataclass
class GGUFArray:
    """An array value with its element type; used for arrays nested inside arrays."""
    elem_type: ValueType
    values: Any  # list[str] | np.ndarray | list[GGUFArray]


@dataclasses.dataclass
class TensorInfo:
    name: str
    type: GGMLType
    shape: Tuple[int, ...]      # ne, innermost first: shape[0] is the row length
    offset: int                 # relative to the start of the data section
    n_bytes: int
    data: Optional[np.ndarray]  # uint8 view into the memory map (None before data is bound)

    @property
    def n_elements(self) -> int:
        count = 1
        for extent in self.shape:
            count *= extent
        return count

    @property
    def np_shape(self) -> Tuple[int, ...]:
        """The NumPy (row-major) shape: ne reversed."""
        return tuple(reversed(self.shape))


# ---------------------------------------------------------------------------------------------
# Reader
# ---------------------------------------------------------------------------------------------

class _Cursor:
    """Reads little-endian values from a buffer, checking every length against what remains."""

    def __init__(self, buffer: memoryview):
        self.buffer = buffer
        self.size = len(buffer)
        self.pos = 0

    def remaining(self) -> int:
        return self.size - self.pos

    def need(self, n_bytes: int, what: str) -> None:
        if n_bytes > self.remaining():
            raise GGUFError(f"truncated file: {what} needs {n_bytes} bytes at offset {self.pos}, "
                            f"but only {self.remaining()} remain")

    def scalar(self, fmt: str, what: str):
        width = struct.calcsize(fmt)
        self.need(width, what)
        (value,) = struct.unpack_from(fmt, self.buffer, self.pos)
        self.pos += width
        return value

    def u32(self, what: str) -> int:
        return self.scalar("<I", what)

    def u64(self, what: str) -> int:
        return self.scalar("<Q", what)

    def string(self, what: str, max_len: Optional[int] = None) -> str:
        length = self.u64(f"length of {what}")
        if length > self.remaining():
            raise GGUFError(f"{what} claims a length of {length} bytes at offset {self.pos - 8}, "
                            f"but only {self.remaining()} bytes remain")
        if max_len is not None and length > max_len:
            raise GGUFError(f"{what} is {length} bytes long, more than the limit of {max_len}")
        raw = bytes(self.buffer[self.pos:self.pos + length])
        self.pos += length
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise GGUFError(f"{what} is not valid UTF-8: {error}") from None


def _value_type(raw: int, what: str) -> ValueType:
    try:
        return ValueType(raw)
    except ValueError:
        raise GGUFError(f"{what} has unknown value type {raw}") from None


class GGUFReader:
    """Parses and validates a GGUF file; tensor data stays in a read-only memory map.

    Attributes: path, version, alignment, data_offset, file_size, metadata (key -> value, in
    file order), types (key -> (ValueType, element ValueType or None)), tensors (name ->
    TensorInfo, in file order)."""

    def __init__(self, path: Union[str, os.PathLike]):
        self.path = os.fspath(path)
        self.file_size = os.path.getsize(self.path)
        if self.file_size < 24:
            raise GGUFError(f"{self.path}: not a GGUF file: {self.file_size} bytes is too short "
                            "for a header")
        self._map = np.memmap(self.path, dtype=np.uint8, mode="r")
        try:
            self._parse(memoryview(self._map))
        except GGUFError as error:
            raise GGUFError(f"{self.path}: {error}") from None

    # -- parsing -----------------------------------------------------------------------------

    def _parse(self, buffer: memoryview) -> None:
        cursor = _Cursor(buffer)
        magic = cursor.u32("magic")
        if magic != GGUF_MAGIC:
            raise GGUFError(f"not a GGUF file: magic is 0x{magic:08x}, expected 0x{GGUF_MAGIC:08x} "
                            "(\"GGUF\")")
        version = cursor.u32("version")
        if version == 1:
            raise GGUFError("GGUF version 1 is not supported (only 2 and 3)")
        if version not in (2, 3):
            if version & 0xFFFF == 0 and version >> 24 != 0:
                raise GGUFError("big-endian GGUF files are not supported")
            raise GGUFError(f"GGUF version {version} is not supported (only 2 and 3)")
        self.version = version
        n_tensors = cursor.u64("tensor count")
        n_kv = cursor.u64("metadata count")
        # Smallest encodings: a key-value takes 8 + 4 + 1 bytes, a tensor info 8 + 4 + 8 + 4 + 8.
        if n_kv > cursor.remaining() // 13:
            raise GGUFError(f"header claims {n_kv} metadata entries, more than the file can hold")
        if n_tensors > cursor.remaining() // 32:
            raise GGUFError(f"header claims {n_tensors} tensors, more than the file can hold")

        self.metadata: Dict[str, Any] = {}
        self.types: Dict[str, Tuple[ValueType, Optional[ValueType]]] = {}
        for kv_idx in range(n_kv):
            key = cursor.string(f"key of metadata entry {kv_idx}", MAX_KEY_BYTES)
            vtype = _value_type(cursor.u32("metadata value type"), f"metadata '{key}'")
            if key in self.metadata:
                raise GGUFError(f"metadata key '{key}' appears twice")
            value, elem_type = self._read_value(cursor, vtype, 0, key)
            self.metadata[key] = value
            self.types[key] = (vtype, elem_type)

        self.alignment = DEFAULT_ALIGNMENT
        if "general.alignment" in self.metadata:
            vtype, _ = self.types["general.alignment"]
            if vtype != ValueType.UINT32:
                raise GGUFError(f"general.alignment must be a uint32, found {vtype.name}")
            alignment = self.metadata["general.alignment"]
            if alignment == 0 or alignment & (alignment - 1):
                raise GGUFError(f"general.alignment is {alignment}, not a power of two")
            self.alignment = alignment

        self.tensors: Dict[str, TensorInfo] = {}
        for tensor_idx in range(n_tensors):
            name = cursor.string(f"name of tensor {tensor_idx}", MAX_TENSOR_NAME_BYTES)
            n_dims = cursor.u32("tensor dimension count")
            if not 1 <= n_dims <= MAX_DIMS:
                raise GGUFError(f"tensor '{name}' has {n_dims} dimensions (1 to {MAX_DIMS} allowed)")
            shape = []
            for dim in range(n_dims):
                extent = cursor.u64("tensor dimension")
                if extent >= 2**63:
                    raise GGUFError(f"tensor '{name}' dimension {dim} is {extent}, too large")
                shape.append(extent)
            raw_type = cursor.u32("tensor type")
            try:
                ggml_type = GGMLType(raw_type)
            except ValueError:
                raise GGUFError(f"tensor '{name}' has unknown type {raw_type}") from None
            offset = cursor.u64("tensor offset")
            n_elements = 1
            for extent in shape:
                n_elements *= extent
            if n_elements >= 2**62:
                raise GGUFError(f"tensor '{name}' shape {shape} has too many elements")
            block_size, block_bytes = BLOCK_GEOMETRY[ggml_type]
            if shape[0] % block_size:
                raise GGUFError(f"tensor '{name}' rows have {shape[0]} elements, not a multiple of "
                                f"the {ggml_type.name} block size {block_size}")
            n_bytes = n_elements // block_size * block_bytes
            if n_bytes > self.file_size:
                raise GGUFError(f"tensor '{name}' shape {shape} needs {n_bytes} bytes, more than "
                                f"the whole file has ({self.file_size})")
            if offset % self.alignment:
                raise GGUFError(f"tensor '{name}' offset {offset} is not a multiple of the "
                                f"alignment {self.alignment}")
            if name in self.tensors:
                raise GGUFError(f"tensor name '{name}' appears twice")
            self.tensors[name] = TensorInfo(name, ggml_type, tuple(shape), offset, n_bytes, None)

        # The data section starts at the next multiple of the alignment.
        self.data_offset = -(-cursor.pos // self.alignment) * self.alignment
        if not self.tensors:
            return
        if self.data_offset > self.file_size:
            raise GGUFError(f"truncated file: tensor data would start at byte {self.data_offset}, "
                            f"past the end ({self.file_size} bytes)")
        data_size = self.file_size - self.data_offset
        for info in self.tensors.values():
            if info.offset > data_size or info.n_bytes > data_size - info.offset:
                raise GGUFError(f"truncated file: tensor '{info.name}' ({info.n_bytes} bytes at "
                                f"data offset {info.offset}) ends past the end of the data section "
                                f"({data_size} bytes)")
            start = self.data_offset + info.offset
            info.data = self._map[start:start + info.n_bytes]
        ordered = sorted(self.tensors.values(), key=lambda t: t.offset)
        for prev, nxt in zip(ordered, ordered[1:]):
            if prev.offset + prev.n_bytes > nxt.offset:
                raise GGUFError(f"tensors '{prev.name}' and '{nxt.name}' overlap in the data section")

    def _read_value(self, cursor: _Cursor, vtype: ValueType, depth: int, key: str):
        """Returns (value, element type for arrays else None)."""
        if vtype == ValueType.STRING:
            return cursor.string(f"string value of '{key}'"), None
        if vtype != ValueType.ARRAY:
            value = cursor.scalar(_SCALAR_FORMAT[vtype], f"value of '{key}'")
            if vtype == ValueType.BOOL:
                if value > 1:
                    raise GGUFError(f"bool value of '{key}' is {value}, not 0 or 1")
                value = bool(value)
            return value, None
        if depth >= MAX_ARRAY_DEPTH:
            raise GGUFError(f"arrays in '{key}' are nested deeper than {MAX_ARRAY_DEPTH} levels")
        elem_type = _value_type(cursor.u32("array element type"), f"array '{key}'")
        count = cursor.u64("array length")
        if elem_type in (ValueType.STRING, ValueType.ARRAY):
            # Each element takes at least 8 (string length) or 12 (array header) bytes.
            min_elem = 8 if elem_type == ValueType.STRING else 12
            if count > cursor.remaining() // min_elem:
                raise GGUFError(f"array '{key}' claims {count} elements, more than the "
                                f"{cursor.remaining()} bytes left can hold")
            if elem_type == ValueType.STRING:
                return [cursor.string(f"element {idx} of '{key}'") for idx in range(count)], elem_type
            nested = []
            for _ in range(count):
                value, inner = self._read_value(cursor, ValueType.ARRAY, depth + 1, key)
                nested.append(GGUFArray(inner, value))
            return nested, elem_type
        dtype = _SCALAR_DTYPE[elem_type]
        if count > cursor.remaining() // dtype.itemsize:
            raise GGUFError(f"array '{key}' claims {count} elements of {dtype.itemsize} bytes, more "
                            f"than the {cursor.remaining()} bytes left")
        n_bytes = count * dtype.itemsize
        raw = np.frombuffer(cursor.buffer[cursor.pos:cursor.pos + n_bytes], dtype=np.uint8).copy()
        cursor.pos += n_bytes
        if elem_type == ValueType.BOOL:
            if np.any(raw > 1):
                raise GGUFError(f"an element of bool array '{key}' is not 0 or 1")
            return raw.astype(bool), elem_type
        return raw.view(dtype), elem_type

    # -- conveniences ------------------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        return self.metadata.get(key, default)

    def tensor(self, name: str) -> TensorInfo:
        try:
            return self.tensors[name]
        except KeyError:
            raise KeyError(f"{self.path}: no tensor named '{name}'") from None


# ---------------------------------------------------------------------------------------------
# Writer
# ---------------------------------------------------------------------------------------------

def _pack_string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw


def _pack_scalar(vtype: ValueType, value: Any, key: str) -> bytes:
    if vtype == ValueType.BOOL:
        if not isinstance(value, (bool, np.bool_)):
            raise GGUFError(f"'{key}': a BOOL value must be a bool, not {type(value).__name__}")
        return struct.pack("<B", int(bool(value)))
    if vtype in _INT_RANGE:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise GGUFError(f"'{key}': a {vtype.name} value must be an int, not {type(value).__name__}")
        low, high = _INT_RANGE[vtype]
        if not low <= int(value) <= high:
            raise GGUFError(f"'{key}': {value} does not fit in {vtype.name}")
        return struct.pack(_SCALAR_FORMAT[vtype], int(value))
    if vtype in (ValueType.FLOAT32, ValueType.FLOAT64):
        return struct.pack(_SCALAR_FORMAT[vtype], float(value))
    raise GGUFError(f"'{key}': {vtype.name} is not a scalar type")


def _pack_array(elem_type: ValueType, values: Any, key: str, depth: int = 0) -> bytes:
    if depth >= MAX_ARRAY_DEPTH:
        raise GGUFError(f"'{key}': arrays nested deeper than {MAX_ARRAY_DEPTH} levels")
    elem_type = ValueType(elem_type)
    parts = [struct.pack("<IQ", int(elem_type), len(values))]
    if elem_type == ValueType.STRING:
        parts.extend(_pack_string(text) for text in values)
    elif elem_type == ValueType.ARRAY:
        for inner in values:
            if not isinstance(inner, GGUFArray):
                raise GGUFError(f"'{key}': elements of an array of arrays must be GGUFArray")
            parts.append(_pack_array(inner.elem_type, inner.values, key, depth + 1))
    elif elem_type == ValueType.BOOL:
        parts.append(np.asarray(values, dtype=bool).astype(np.uint8).tobytes())
    else:
        array = np.asarray(values)
        if elem_type in _INT_RANGE and array.size:
            if array.dtype.kind not in "iub":
                raise GGUFError(f"'{key}': a {elem_type.name} array needs integers")
            low, high = _INT_RANGE[elem_type]
            if int(array.min()) < low or int(array.max()) > high:
                raise GGUFError(f"'{key}': values do not fit in {elem_type.name}")
        parts.append(array.astype(_SCALAR_DTYPE[elem_type]).tobytes())
    return b"".join(parts)


def _pack_value(vtype: ValueType, value: Any, elem_type: Optional[ValueType], key: str) -> bytes:
    if vtype == ValueType.STRING:
        return _pack_string(value)
    if vtype == ValueType.ARRAY:
        if elem_type is None:
            raise GGUFError(f"'{key}': an ARRAY value needs an element type")
        return _pack_array(elem_type, value, key)
    return _pack_scalar(vtype, value, key)


class GGUFWriter:
    """Collects metadata and tensors, then writes a whole file (to a temporary name in the same
    folder, renamed into place, so a reader never sees half a file).

    Metadata keep insertion order. `alignment` other than 32 is recorded as general.alignment
    (u32) automatically; pass record_alignment=True to write the key even when it is 32."""

    def __init__(self, version: int = 3, alignment: int = DEFAULT_ALIGNMENT,
                 record_alignment: bool = False):
        if version not in (2, 3):
            raise GGUFError(f"can only write GGUF versions 2 and 3, not {version}")
        if alignment <= 0 or alignment & (alignment - 1):
            raise GGUFError(f"alignment {alignment} is not a power of two")
        self.version = version
        self.alignment = alignment
        self._kv: Dict[str, Tuple[ValueType, Any, Optional[ValueType]]] = {}
        self._tensors: List[Tuple[str, GGMLType, Tuple[int, ...], bytes]] = []
        if alignment != DEFAULT_ALIGNMENT or record_alignment:
            self.add_u32("general.alignment", alignment)

    # -- metadata ----------------------------------------------------------------------------

    def add(self, key: str, vtype: ValueType, value: Any, elem_type: Optional[ValueType] = None):
        """Adds (or replaces) a typed value. Arrays: vtype=ARRAY, elem_type given, value a
        sequence (list of GGUFArray for arrays of arrays)."""
        vtype = ValueType(vtype)
        if elem_type is not None:
            elem_type = ValueType(elem_type)
        _pack_value(vtype, value, elem_type, key)  # validate now, not at write time
        self._kv[key] = (vtype, value, elem_type)

    def add_u8(self, key, value): self.add(key, ValueType.UINT8, value)
    def add_i8(self, key, value): self.add(key, ValueType.INT8, value)
    def add_u16(self, key, value): self.add(key, ValueType.UINT16, value)
    def add_i16(self, key, value): self.add(key, ValueType.INT16, value)
    def add_u32(self, key, value): self.add(key, ValueType.UINT32, value)
    def add_i32(self, key, value): self.add(key, ValueType.INT32, value)
    def add_u64(self, key, value): self.add(key, ValueType.UINT64, value)
    def add_i64(self, key, value): self.add(key, ValueType.INT64, value)
    def add_f32(self, key, value): self.add(key, ValueType.FLOAT32, value)
    def add_f64(self, key, value): self.add(key, ValueType.FLOAT64, value)
    def add_bool(self, key, value): self.add(key, ValueType.BOOL, value)
    def add_string(self, key, value): self.add(key, ValueType.STRING, value)

    def add_array(self, key: str, values: Any, elem_type: ValueType):
        self.add(key, ValueType.ARRAY, values, elem_type)

    def copy_metadata(self, reader: GGUFReader, skip: Iterable[str] = ()):
        """Copies every key of `reader` (with its exact types) except those in `skip`."""
        skip = set(skip)
        for key, value in reader.metadata.items():
            if key in skip:
                continue
            vtype, elem_type = reader.types[key]
            self._kv[key] = (vtype, value, elem_type)

    # -- tensors -----------------------------------------------------------------------------

    def add_tensor(self, name: str, data: Union[np.ndarray, bytes],
                   ggml_type: Optional[GGMLType] = None, shape: Optional[Sequence[int]] = None):
        """Adds a tensor. `shape` is in GGUF order (ne, innermost first).

        - NumPy float32 / float16 / float64 arrays: type defaults to F32 (or F16 for float16);
          float64 is stored as F32; the shape defaults to the array's shape reversed.
        - BF16: pass the raw uint16 bits (see float32_to_bf16_bits) with ggml_type=BF16.
        - Quantized types: pass raw block bytes (bytes or uint8 array) with ggml_type and shape."""
        if any(existing[0] == name for existing in self._tensors):
            raise GGUFError(f"tensor '{name}' added twice")
        if len(name.encode("utf-8")) > MAX_TENSOR_NAME_BYTES:
            raise GGUFError(f"tensor name '{name[:40]}...' is too long")
        if isinstance(data, np.ndarray) and data.dtype != np.uint8:
            if shape is None:
                shape = tuple(reversed(data.shape)) if data.ndim else (1,)
            if ggml_type is None:
                ggml_type = GGMLType.F16 if data.dtype == np.float16 else GGMLType.F32
            ggml_type = GGMLType(ggml_type)
            target = {GGMLType.F32: np.dtype("<f4"), GGMLType.F16: np.dtype("<f2"),
                      GGMLType.BF16: np.dtype("<u2"), GGMLType.F64: np.dtype("<f8"),
                      GGMLType.I8: np.dtype("<i1"), GGMLType.I16: np.dtype("<i2"),
                      GGMLType.I32: np.dtype("<i4"), GGMLType.I64: np.dtype("<i8")}.get(ggml_type)
            if target is None:
                raise GGUFError(f"tensor '{name}': pass raw block bytes for {ggml_type.name}")
            if ggml_type == GGMLType.BF16 and data.dtype != np.uint16:
                raise GGUFError(f"tensor '{name}': BF16 data must be uint16 bits "
                                "(use float32_to_bf16_bits)")
            raw = np.ascontiguousarray(data.astype(target, copy=False)).tobytes()
        else:
            if ggml_type is None or shape is None:
                raise GGUFError(f"tensor '{name}': raw bytes need ggml_type and shape")
            ggml_type = GGMLType(ggml_type)
            raw = bytes(data)
        shape = tuple(int(extent) for extent in shape)
        if not 1 <= len(shape) <= MAX_DIMS or any(extent < 0 for extent in shape):
            raise GGUFError(f"tensor '{name}': bad shape {shape}")
        expected = tensor_nbytes(ggml_type, shape)
        if len(raw) != expected:
            raise GGUFError(f"tensor '{name}': {len(raw)} bytes of data, but a {ggml_type.name} "
                            f"tensor of shape {list(shape)} takes {expected}")
        self._tensors.append((name, ggml_type, shape, raw))

    # -- output ------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        header = [struct.pack("<IIQQ", GGUF_MAGIC, self.version, len(self._tensors), len(self._kv))]
        for key, (vtype, value, elem_type) in self._kv.items():
            header.append(_pack_string(key) + struct.pack("<I", int(vtype))
                          + _pack_value(vtype, value, elem_type, key))
        offset = 0
        offsets = []
        for name, ggml_type, shape, raw in self._tensors:
            offsets.append(offset)
            header.append(_pack_string(name) + struct.pack("<I", len(shape))
                          + struct.pack(f"<{len(shape)}Q", *shape)
                          + struct.pack("<IQ", int(ggml_type), offset))
            offset += -(-len(raw) // self.alignment) * self.alignment
        blob = b"".join(header)
        parts = [blob, b"\0" * (-len(blob) % self.alignment)]
        for (_, _, _, raw), start in zip(self._tensors, offsets):
            parts.append(raw)
            parts.append(b"\0" * (-len(raw) % self.alignment))
        return b"".join(parts)

    def write(self, path: Union[str, os.PathLike]) -> None:
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        handle, temp_path = tempfile.mkstemp(prefix=".gguf-", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(self.to_bytes())
            os.replace(temp_path, path)
        except BaseException:
            if os.path.exists(temp_path):
                os.unlink(temp_path)
            raise


# ---------------------------------------------------------------------------------------------
# Half-precision helpers
# ---------------------------------------------------------------------------------------------

def float32_to_bf16_bits(values: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits (uint16), round to nearest even; NaN stays a quiet NaN."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounded = (bits + (np.uint32(0x7FFF) + ((bits >> 16) & 1))) >> 16
    is_nan = (bits & 0x7FFFFFFF) > 0x7F800000
    quiet = (bits >> 16) | 0x0040
    return np.where(is_nan, quiet, rounded).astype(np.uint16)


def bf16_bits_to_float32(bits: np.ndarray) -> np.ndarray:
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def _describe(value: Any, elem_type: Optional[ValueType]) -> str:
    if elem_type is None:
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    count = len(value)
    if elem_type == ValueType.ARRAY:
        return f"[{count} x array]"
    preview = ", ".join(repr(item if not isinstance(item, np.generic) else item.item())
                        for item in list(value[:4]))
    return f"[{count} x {elem_type.name.lower()}: {preview}{', ...' if count > 4 else ''}]"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`hearth_gguf.py FILE`: prints the header, metadata and tensor table."""
    import argparse
    parser = argparse.ArgumentParser(description="Print a GGUF file's header, metadata and tensors.")
    parser.add_argument("file")
    args = parser.parse_args(argv)
    try:
        gguf = GGUFReader(args.file)
    except GGUFError as error:
        print(f"error: {error}")
        return 1
    print(f"GGUF v{gguf.version}, alignment {gguf.alignment}, data at {gguf.data_offset}, "
          f"{len(gguf.metadata)} keys, {len(gguf.tensors)} tensors")
    for key, value in gguf.metadata.items():
        vtype, elem_type = gguf.types[key]
        print(f"  {key:48s} {vtype.name.lower():8s} {_describe(value, elem_type)}")
    for info in gguf.tensors.values():
        print(f"  {info.name:48s} {info.type.name:6s} {list(info.shape)} @ {info.offset}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
