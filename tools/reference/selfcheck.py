#!/usr/bin/python3
"""Self-check of the reference forward pass (tools/reference/forward.py) on generated models.

Checks invariants that any correct implementation satisfies, for llama, qwen2 and qwen3 and
each RoPE scaling mode:

  causality     logits at position t do not change when later tokens change
  gqa           a model with n_head_kv < n_head equals the model whose K/V heads are repeated
                (n_head_kv == n_head): query head h reads kv head h // (n_head / n_head_kv)
  rope-pos0     RoPE at position 0 is the identity (times the YaRN magnitude factor), so the
                first position's logits do not depend on rope.freq_base
  rope-relative q.k after RoPE depends only on the distance between the two positions
  rope-modes    the normal (adjacent-pair) mode on some Q/K rows equals the NeoX mode on the
                same rows permuted within each head (GGUF's llama vs HF's layout)
  tied          no output.weight (tied) equals output.weight == token_embd.weight
  f16           an f16 model is exactly the f32 model (same seed) with weights rounded to f16
  kv-f16        --kv-f16 changes the logits, but only slightly
  spread        logits are not degenerate: std of order 1 and several distinct top tokens

Exits non-zero if any check fails. Run: tools/reference/selfcheck.py [-v]
"""
from __future__ import annotations

import argparse
import math
import pathlib
import sys
import tempfile
import traceback

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import forward  # noqa: E402
from dequant import dequantize_tensor  # noqa: E402
from gen_model import ModelSpec, generate  # noqa: E402
from hearth_gguf import GGMLType, GGUFReader, GGUFWriter  # noqa: E402


class CheckFailed(AssertionError):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def max_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)))


def rewrite(src: str, dst: str, arch: str = None, metadata: dict = None, tensors: dict = None,
            drop: set = frozenset()) -> None:
    """Copies a GGUF, renaming the architecture's keys to `arch`, overriding metadata values
    (key -> value, same type as before) and replacing tensors (name -> float32 array)."""
    reader = GGUFReader(src)
    old_arch = reader.metadata["general.architecture"]
    writer = GGUFWriter()
    for key, value in reader.metadata.items():
        vtype, elem_type = reader.types[key]
        new_key = key
        if arch and key.startswith(old_arch + "."):
            new_key = arch + key[len(old_arch):]
        if key == "general.architecture" and arch:
            value = arch
        if metadata and new_key in metadata:
            value = metadata[new_key]
        writer.add(new_key, vtype, value, elem_type)
    for name, info in reader.tensors.items():
        if name in drop:
            continue
        if tensors and name in tensors:
            writer.add_tensor(name, np.asarray(tensors[name], dtype=np.float32))
        else:
            writer.add_tensor(name, bytes(info.data), info.type, info.shape)
    for name, values in (tensors or {}).items():
        if name not in reader.tensors:
            writer.add_tensor(name, np.asarray(values, dtype=np.float32))
    writer.write(dst)


class SelfCheck:
    def __init__(self, folder: str, verbose: bool):
        self.folder = pathlib.Path(folder)
        self.verbose = verbose
        self.passed = 0
        self.failed = 0
        self.rng = np.random.default_rng(2024)

    def path(self, name: str) -> str:
        return str(self.folder / name)

    def run(self, label: str, fn, *args) -> None:
        try:
            detail = fn(*args)
            self.passed += 1
            print(f"PASS {label}" + (f"  ({detail})" if detail and self.verbose else ""))
        except Exception as error:  # noqa: BLE001 - report every kind of failure
            self.failed += 1
            print(f"FAIL {label}: {error}")
            if self.verbose and not isinstance(error, CheckFailed):
                traceback.print_exc()

    def logits(self, path: str, tokens, kv_f16: bool = False) -> np.ndarray:
        return forward.Model(path).forward(list(tokens), kv_f16=kv_f16)[0]

    def tokens(self, n: int, n_vocab: int = 400) -> np.ndarray:
        return self.rng.integers(0, n_vocab, size=n)

    # --- checks -----------------------------------------------------------------------------

    def causality(self, model: str) -> str:
        tokens = self.tokens(12)
        changed = tokens.copy()
        changed[8:] = (changed[8:] + 17) % 400
        full, other = self.logits(model, tokens), self.logits(model, changed)
        prefix = self.logits(model, tokens[:8])
        expect(max_diff(full[:8], other[:8]) <= 1e-12,
               f"positions 0..7 changed by {max_diff(full[:8], other[:8]):.3g} when tokens 8.. changed")
        expect(max_diff(full[:8], prefix) <= 1e-10,
               f"prefix run differs by {max_diff(full[:8], prefix):.3g}")
        expect(max_diff(full[8:], other[8:]) > 1e-3, "later positions did not react to their tokens")
        return f"same-length diff {max_diff(full[:8], other[:8]):.1e}, prefix diff {max_diff(full[:8], prefix):.1e}"

    def gqa(self, model: str) -> str:
        reader = GGUFReader(model)
        arch = reader.metadata["general.architecture"]
        n_head = reader.metadata[f"{arch}.attention.head_count"]
        n_head_kv = reader.metadata[f"{arch}.attention.head_count_kv"]
        expect(n_head_kv < n_head, "the model is not grouped-query")
        group = n_head // n_head_kv
        replaced = {}
        for name, info in reader.tensors.items():
            if any(part in name for part in ("attn_k.", "attn_v.")):
                values = dequantize_tensor(info)                   # (n_head_kv * hd, ...) rows
                heads = values.reshape(n_head_kv, -1, *values.shape[1:])
                replaced[name] = np.repeat(heads, group, axis=0).reshape(-1, *values.shape[1:])
        expanded = self.path("gqa_expanded.gguf")
        rewrite(model, expanded, metadata={f"{arch}.attention.head_count_kv": n_head}, tensors=replaced)
        tokens = self.tokens(10)
        a, b = self.logits(model, tokens), self.logits(expanded, tokens)
        expect(np.allclose(a, b, rtol=0, atol=1e-10), f"grouped vs repeated heads differ by {max_diff(a, b):.3g}")
        if n_head_kv == 1:
            return f"diff {max_diff(a, b):.1e}"
        # And the mapping matters: tiling the heads (h % n_head_kv) instead must change the result.
        tiled = {}
        for name, info in reader.tensors.items():
            if any(part in name for part in ("attn_k.", "attn_v.")):
                values = dequantize_tensor(info)
                heads = values.reshape(n_head_kv, -1, *values.shape[1:])
                tiled[name] = np.concatenate([heads] * group, axis=0).reshape(-1, *values.shape[1:])
        wrong = self.path("gqa_tiled.gguf")
        rewrite(model, wrong, metadata={f"{arch}.attention.head_count_kv": n_head}, tensors=tiled)
        expect(max_diff(a, self.logits(wrong, tokens)) > 1e-3, "tiled heads gave the same logits")
        return f"diff {max_diff(a, b):.1e}"

    def rope_unit(self) -> str:
        details = []
        for mode in ("normal", "neox"):
            for scaling, ext, freq_scale, attn_factor, factors in (
                    ("none", 0.0, 1.0, 1.0, None), ("linear", 0.0, 0.25, 1.0, None),
                    ("yarn", 1.0, 0.25, 1.0, None), ("yarn+attn", 1.0, 0.25, 0.8, None),
                    ("freq_factors", 0.0, 1.0, 1.0, np.linspace(1.0, 8.0, 32))):
                cfg = forward.Config(
                    arch="x", n_vocab=1, n_embd=1, n_layer=1, n_ff=1, n_head=3, n_head_kv=3,
                    head_dim_k=64, head_dim_v=64, n_rot=64, rms_eps=1e-6, rope_mode=mode,
                    freq_base=10000.0, freq_scale=freq_scale, ext_factor=ext,
                    attn_factor=attn_factor, beta_fast=32.0, beta_slow=1.0, n_ctx_orig=32,
                    scaling_type=scaling)
                mscale = attn_factor * (1 + 0.1 * math.log(1 / freq_scale) if ext else 1.0)
                positions = np.arange(40)
                cos, sin = forward.rope_cos_sin(cfg, positions, factors)
                x = self.rng.standard_normal((40, 3, 64))
                y = forward.rope(x, cos, sin, 64, mode)
                expect(np.allclose(y[0], x[0] * mscale, rtol=0, atol=1e-14),
                       f"{mode}/{scaling}: position 0 is not the identity (times mscale {mscale:.4f})")
                expect(np.allclose(np.linalg.norm(y, axis=-1), np.linalg.norm(x, axis=-1) * mscale),
                       f"{mode}/{scaling}: RoPE is not a rotation (times mscale)")
                # q.k after RoPE depends only on the distance: compare (m, n) with (m + s, n + s).
                # The same q and k vector at every position:
                qm = forward.rope(np.repeat(x[:1, :1, :], 40, axis=0), cos, sin, 64, mode)[:, 0, :]
                kn = forward.rope(np.repeat(x[:1, 1:2, :], 40, axis=0), cos, sin, 64, mode)[:, 0, :]
                for m, n, shift in ((5, 2, 11), (30, 0, 9), (7, 7, 20)):
                    expect(abs(qm[m] @ kn[n] - qm[m + shift] @ kn[n + shift]) < 1e-9,
                           f"{mode}/{scaling}: q.k at ({m},{n}) differs from ({m + shift},{n + shift})")
                details.append(f"{mode}/{scaling} mscale {mscale:.3f}")
        # YaRN's ramp range for these settings, as llama.cpp computes it: floor/ceil, clamped.
        cfg.n_ctx_orig, cfg.freq_base, cfg.n_rot = 64, 10000.0, 64
        low, high = forward.yarn_corr_dims(cfg)
        expect((low, high) == (0.0, 9.0), f"yarn corr dims {(low, high)} != (0, 9)")
        return ", ".join(details)

    def rope_pos0_model(self, model: str) -> str:
        reader = GGUFReader(model)
        arch = reader.metadata["general.architecture"]
        base = reader.metadata[f"{arch}.rope.freq_base"]
        other = self.path("other_base.gguf")
        rewrite(model, other, metadata={f"{arch}.rope.freq_base": base * 3.0})
        tokens = self.tokens(6)
        a, b = self.logits(model, tokens), self.logits(other, tokens)
        expect(max_diff(a[0], b[0]) <= 1e-12, f"position 0 depends on freq_base ({max_diff(a[0], b[0]):.3g})")
        expect(max_diff(a[1:], b[1:]) > 1e-4, "later positions do not depend on freq_base")
        return f"pos0 diff {max_diff(a[0], b[0]):.1e}, later {max_diff(a[1:], b[1:]):.2f}"

    def rope_modes(self, llama_model: str) -> str:
        reader = GGUFReader(llama_model)
        md = reader.metadata
        n_head, n_head_kv = md["llama.attention.head_count"], md["llama.attention.head_count_kv"]
        head_dim = md["llama.rope.dimension_count"]
        # NeoX pair (i, i + d/2) takes the rows of normal pair (2i, 2i + 1).
        perm = np.concatenate([np.arange(0, head_dim, 2), np.arange(1, head_dim, 2)])
        replaced = {}
        for name, info in reader.tensors.items():
            for proj, heads in (("attn_q.weight", n_head), ("attn_k.weight", n_head_kv)):
                if name.endswith(proj):
                    values = dequantize_tensor(info).reshape(heads, head_dim, -1)
                    replaced[name] = values[:, perm, :].reshape(heads * head_dim, -1)
        neox = self.path("as_qwen2.gguf")
        rewrite(llama_model, neox, arch="qwen2", tensors=replaced)
        tokens = self.tokens(12)
        a, b = self.logits(llama_model, tokens), self.logits(neox, tokens)
        expect(forward.Model(neox).cfg.rope_mode == "neox", "qwen2 is not read as neox")
        expect(np.allclose(a, b, rtol=0, atol=1e-10), f"normal vs permuted neox differ by {max_diff(a, b):.3g}")
        rewrite(llama_model, self.path("unpermuted.gguf"), arch="qwen2")
        c = self.logits(self.path("unpermuted.gguf"), tokens)
        expect(max_diff(a[1:], c[1:]) > 1e-3, "unpermuted weights under neox gave the same logits")
        return f"diff {max_diff(a, b):.1e}"

    def tied(self, spec: ModelSpec) -> str:
        tied_path = self.path("tied.gguf")
        generate(ModelSpec(**{**spec.__dict__, "tied": True}), tied_path)
        reader = GGUFReader(tied_path)
        expect("output.weight" not in reader.tensors, "a tied model has output.weight")
        untied_path = self.path("untied_copy.gguf")
        embd = reader.tensors["token_embd.weight"]
        writer = GGUFWriter()
        writer.copy_metadata(reader)
        for name, info in reader.tensors.items():
            writer.add_tensor(name, bytes(info.data), info.type, info.shape)
        writer.add_tensor("output.weight", bytes(embd.data), embd.type, embd.shape)
        writer.write(untied_path)
        tokens = self.tokens(9)
        a, b = self.logits(tied_path, tokens), self.logits(untied_path, tokens)
        expect(max_diff(a, b) == 0.0, f"tied vs explicit output differ by {max_diff(a, b):.3g}")
        return "identical"

    def f16_weights(self, spec: ModelSpec) -> str:
        f32_path, f16_path, bf16_path = self.path("w32.gguf"), self.path("w16.gguf"), self.path("wbf16.gguf")
        generate(ModelSpec(**{**spec.__dict__, "dtype": "f32"}), f32_path)
        generate(ModelSpec(**{**spec.__dict__, "dtype": "f16"}), f16_path)
        generate(ModelSpec(**{**spec.__dict__, "dtype": "bf16"}), bf16_path)
        r32, r16, rbf = GGUFReader(f32_path), GGUFReader(f16_path), GGUFReader(bf16_path)
        expect(r16.metadata["general.file_type"] == 1 and rbf.metadata["general.file_type"] == 32,
               "general.file_type is not 1 / 32")
        for name, info in r32.tensors.items():
            w32 = dequantize_tensor(info)
            w16 = dequantize_tensor(r16.tensors[name])
            wbf = dequantize_tensor(rbf.tensors[name])
            if len(info.shape) == 1:
                expect(r16.tensors[name].type == GGMLType.F32, f"1-D tensor {name} is not F32")
                expect(np.array_equal(w32, w16), f"1-D tensor {name} differs")
            else:
                expect(r16.tensors[name].type == GGMLType.F16, f"{name} is not F16")
                expect(np.array_equal(w16, w32.astype(np.float16).astype(np.float32)),
                       f"{name}: f16 is not the rounded f32")
                expect(np.max(np.abs(wbf - w32)) <= np.max(np.abs(w32)) * 2.0 ** -8, f"{name}: bf16 too far")
        tokens = self.tokens(8)
        a, b = self.logits(f32_path, tokens), self.logits(f16_path, tokens)
        expect(0 < max_diff(a, b) < 2e-2, f"f16 vs f32 logits differ by {max_diff(a, b):.3g}")
        return f"f32 vs f16 logits {max_diff(a, b):.1e}"

    def kv_f16(self, model: str) -> str:
        tokens = self.tokens(24)
        a, b = self.logits(model, tokens), self.logits(model, tokens, kv_f16=True)
        expect(0 < max_diff(a, b) < 1e-2, f"--kv-f16 changed the logits by {max_diff(a, b):.3g}")
        return f"diff {max_diff(a, b):.1e}"

    def spread(self, model: str) -> str:
        tokens = self.tokens(32)
        logits = self.logits(model, tokens)
        std = float(logits.std(axis=1).mean())
        top = np.argmax(logits, axis=1)
        top2 = np.sort(logits, axis=1)[:, -2:]
        margin = float(np.min(top2[:, 1] - top2[:, 0]))
        expect(0.5 < std < 5.0, f"logit std {std:.3f} is degenerate")
        expect(len(set(top.tolist())) >= 4, f"only {len(set(top.tolist()))} distinct top tokens")
        expect(np.all(np.isfinite(logits)), "non-finite logits")
        return f"std {std:.2f}, {len(set(top.tolist()))} distinct top-1 of 32, min top-2 margin {margin:.2e}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="print details and tracebacks")
    parser.add_argument("--keep", help="write the generated models to this folder and keep them")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temp:
        folder = args.keep or temp
        pathlib.Path(folder).mkdir(parents=True, exist_ok=True)
        check = SelfCheck(folder, args.verbose)
        check.run("rope-unit (identity at 0, rotation, relative positions, yarn dims)", check.rope_unit)
        variants = [
            ModelSpec(arch="llama"),
            ModelSpec(arch="llama", rope_scaling="llama3"),
            ModelSpec(arch="llama", rope_scaling="yarn", head_dim=32, n_head=8, n_head_kv=2),
            ModelSpec(arch="qwen2", rope_scaling="linear"),
            ModelSpec(arch="qwen2", rope_scaling="yarn", tied=True),
            ModelSpec(arch="qwen3"),
            ModelSpec(arch="qwen3", rope_scaling="yarn", n_head_kv=1),
        ]
        for idx, spec in enumerate(variants):
            spec.seed = idx
            label = f"{spec.arch}/{spec.rope_scaling}" + ("/tied" if spec.tied else "") + \
                    (f"/hd{spec.head_dim}" if spec.head_dim else "") + f"/kv{spec.n_head_kv}"
            model = check.path(f"model_{idx}.gguf")
            generate(spec, model)
            check.run(f"causality   {label}", check.causality, model)
            check.run(f"gqa         {label}", check.gqa, model)
            check.run(f"rope-pos0   {label}", check.rope_pos0_model, model)
            check.run(f"kv-f16      {label}", check.kv_f16, model)
            check.run(f"spread      {label}", check.spread, model)
            if spec.arch == "llama" and spec.rope_scaling == "none":
                check.run(f"rope-modes  {label}", check.rope_modes, model)
        check.run("tied        llama", check.tied, ModelSpec(arch="llama", seed=11))
        check.run("tied        qwen3", check.tied, ModelSpec(arch="qwen3", seed=12))
        check.run("f16/bf16    qwen2", check.f16_weights, ModelSpec(arch="qwen2", seed=13))
        print(f"selfcheck: {check.passed} passed, {check.failed} failed")
        return 1 if check.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
