#!/usr/bin/python3
"""Writes the trained demo model as GGUF files with the project's own writer (tools/hearth_gguf.py).

    export.py --checkpoint OUT/checkpoint.pt --tokenizer T.model --f32 M-f32.gguf --q8 M.gguf

The F32 file holds every tensor in float32. The Q8_0 file holds the 2-D weight matrices
(token_embd included: the output projection is tied to it) in Q8_0 blocks and the norm vectors
in float32, as `hearth quantize IN OUT Q8_0` lays them out; the Q8_0 blocks are quantized here in
NumPy exactly as Hearth's quantizer does (evaluate.py checks that the two files' tensors are
identical byte for byte).

Metadata: the llama keys (formats/gguf_keys.h) and a SentencePiece `llama` tokenizer with
<s> (BOS), </s> (EOS), <|end|> (end of turn), no space prefix, and tokenizer.chat_template.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Dict

import numpy as np
import torch

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from hearth_gguf import GGMLType, GGUFWriter, ValueType  # noqa: E402

from model import Config, Llama, gguf_tensor_names  # noqa: E402
from tokenizer import BOS, CHAT_TEMPLATE, END_ID, EOS, UNK, Tokenizer  # noqa: E402

MODEL_NAME = "Hearth Fortune Teller"
MODEL_ID = "fortune-teller"
DESCRIPTION = (
    "Hearth's built-in demo model: a small llama-architecture model trained from scratch by the "
    "Hearth project on the English fortune cookies of Debian's fortunes and fortunes-min "
    "packages. Whatever it is told, it answers with a fortune. See models/README.md.")
FILE_TYPE_F32, FILE_TYPE_Q8_0 = 0, 7
Q8_BLOCK = 32


def quantize_q8_0(values: np.ndarray) -> bytes:
    """Row-major float32 (rows, n) with n % 32 == 0 -> Q8_0 blocks (d: f16, qs: 32 x int8), as
    Hearth's reference quantizer (kernels/cpu/ref/quantize_legacy.cpp) makes them: the scale
    max|x| / 127 is stored as float16 and the elements are rounded against the stored scale
    (x * (1 / d), to nearest, ties to even, levels -127..127)."""
    blocks = np.ascontiguousarray(values, dtype=np.float32).reshape(-1, Q8_BLOCK)
    amax = np.abs(blocks).max(axis=1)
    d_half = (amax / np.float32(127)).astype(np.float16)
    d = d_half.astype(np.float32)
    inv_d = np.divide(np.float32(1), d, out=np.zeros_like(d), where=d != 0).astype(np.float32)
    scaled = (blocks * inv_d[:, None]).astype(np.float32)
    qs = np.rint(np.clip(scaled, -127, 127)).astype(np.int8)
    out = np.empty(len(blocks), dtype=[("d", "<f2"), ("qs", "i1", (Q8_BLOCK,))])
    out["d"] = d_half
    out["qs"] = qs
    return out.tobytes()


def load_model(checkpoint_path: pathlib.Path) -> Llama:
    state = torch.load(checkpoint_path)
    config = Config(**state["model_config"])
    config.dropout = 0.0
    model = Llama(config)
    model.load_state_dict(state["model"])
    model.eval()
    return model


def write_gguf(model: Llama, tokenizer: Tokenizer, path: pathlib.Path, quantized: bool) -> None:
    config = model.config
    writer = GGUFWriter()
    arch = "llama"
    writer.add_string("general.architecture", arch)
    writer.add_string("general.name", MODEL_NAME)
    writer.add_string("general.description", DESCRIPTION)
    writer.add_u32("general.file_type", FILE_TYPE_Q8_0 if quantized else FILE_TYPE_F32)
    writer.add_u32("general.quantization_version", 2)
    writer.add_u32(f"{arch}.vocab_size", config.n_vocab)
    writer.add_u32(f"{arch}.context_length", config.n_ctx)
    writer.add_u32(f"{arch}.embedding_length", config.n_embd)
    writer.add_u32(f"{arch}.block_count", config.n_layer)
    writer.add_u32(f"{arch}.feed_forward_length", config.n_ff)
    writer.add_u32(f"{arch}.attention.head_count", config.n_head)
    writer.add_u32(f"{arch}.attention.head_count_kv", config.n_head)
    writer.add_u32(f"{arch}.rope.dimension_count", config.head_dim)
    writer.add_f32(f"{arch}.rope.freq_base", config.rope_base)
    writer.add_f32(f"{arch}.attention.layer_norm_rms_epsilon", config.rms_eps)

    tokens, scores, types = tokenizer.vocabulary()
    writer.add_string("tokenizer.ggml.model", "llama")
    writer.add_array("tokenizer.ggml.tokens", tokens, ValueType.STRING)
    writer.add_array("tokenizer.ggml.scores", np.array(scores, np.float32), ValueType.FLOAT32)
    writer.add_array("tokenizer.ggml.token_type", np.array(types, np.int32), ValueType.INT32)
    writer.add_u32("tokenizer.ggml.bos_token_id", BOS)
    writer.add_u32("tokenizer.ggml.eos_token_id", EOS)
    writer.add_u32("tokenizer.ggml.eot_token_id", END_ID)
    writer.add_u32("tokenizer.ggml.unknown_token_id", UNK)
    writer.add_bool("tokenizer.ggml.add_bos_token", True)
    writer.add_bool("tokenizer.ggml.add_eos_token", False)
    writer.add_bool("tokenizer.ggml.add_space_prefix", False)
    writer.add_bool("tokenizer.ggml.remove_extra_whitespaces", False)
    writer.add_string("tokenizer.chat_template", CHAT_TEMPLATE)

    names: Dict[str, str] = gguf_tensor_names(model)
    for torch_name, param in model.named_parameters():
        values = param.detach().numpy().astype(np.float32)   # (rows, row length)
        gguf_name = names[torch_name]
        if quantized and values.ndim == 2:
            rows, row_length = values.shape
            writer.add_tensor(gguf_name, quantize_q8_0(values), GGMLType.Q8_0, shape=(row_length, rows))
        else:
            writer.add_tensor(gguf_name, values)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.write(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=pathlib.Path, required=True)
    parser.add_argument("--tokenizer", type=pathlib.Path, required=True)
    parser.add_argument("--f32", type=pathlib.Path, required=True, help="F32 GGUF output")
    parser.add_argument("--q8", type=pathlib.Path, required=True, help="Q8_0 GGUF output")
    args = parser.parse_args(argv)
    model = load_model(args.checkpoint)
    tokenizer = Tokenizer(args.tokenizer)
    write_gguf(model, tokenizer, args.f32, quantized=False)
    write_gguf(model, tokenizer, args.q8, quantized=True)
    for path in (args.f32, args.q8):
        print(f"export: wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
