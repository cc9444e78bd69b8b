#!/usr/bin/python3
"""Measures the exported demo model the way Hearth does, and records what the tests check.

    evaluate.py --f32 M-f32.gguf --q8 M.gguf --tokenizer T.model --corpus DIR
                --heldout-text models/fortune-teller.heldout.txt
                --expected models/fortune-teller.expected.json --report OUT/report.json
                [--hearth build/release/bin/hearth]

The model is rebuilt in PyTorch from each GGUF file (weights dequantized with tools/dequant.py,
so the Q8_0 figures are those of the weights exactly as shipped) and measured with:

Perplexity, `hearth perplexity`'s protocol (apps/hearth/cmd_perplexity.cpp): the held-out text
is tokenized once with BOS; it is cut into chunks of N = PPL_CTX tokens (the tail that does not
fill a chunk is dropped); each chunk is evaluated alone with its first token replaced by BOS;
positions j in [N/2, N-1) score -log p(token[j+1] | chunk[0..j]); PPL = exp(mean).

Unigram perplexity: token frequencies of the train fortunes (tokenized the same way and joined
the same way as the held-out text, add-one smoothed over the vocabulary), scored on exactly the
held-out positions above.

Greedy generation: GREEDY_CASES, argmax at every step until an end-of-generation token (</s> or
<|end|>, included in the ids) or max_tokens.

With --hearth, the same measurements are made by the hearth binary on both files (perplexity,
the held-out text's token count) for the report; the token-level greedy comparison is the C++
test tests/demo_model, which --hearth also runs on both files.
"""
from __future__ import annotations

import argparse
import json
import math
import pathlib
import re
import subprocess
import sys
import time
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn.functional as F

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from dequant import dequantize_tensor  # noqa: E402
from hearth_gguf import GGUFReader  # noqa: E402

from model import Config, Llama, generate_greedy, gguf_tensor_names  # noqa: E402
from tokenizer import BOS, END_ID, EOS, Tokenizer  # noqa: E402

PPL_CTX = 256
HELDOUT_JOIN = "\n\n"       # between fortunes in the held-out text file
GREEDY_MAX_TOKENS = 48

# name, kind, text: raw prompts are fed as `hearth run -p TEXT` does (BOS + text); chat prompts
# are one user message rendered by the chat template with add_generation_prompt.
GREEDY_CASES = [
    ("raw_you_will", "raw", "You will"),
    ("raw_life", "raw", "The secret of life is"),
    ("chat_fortune", "chat", "Tell me my fortune."),
    ("chat_hello", "chat", "Hello! Who are you?"),
]


def heldout_text(fortunes: Sequence[str]) -> str:
    return HELDOUT_JOIN.join(fortunes) + "\n"


def load_gguf_model(path: pathlib.Path) -> Llama:
    reader = GGUFReader(path)
    meta = reader.metadata
    config = Config(n_vocab=int(meta["llama.vocab_size"]), n_ctx=int(meta["llama.context_length"]),
                    n_embd=int(meta["llama.embedding_length"]), n_layer=int(meta["llama.block_count"]),
                    n_head=int(meta["llama.attention.head_count"]),
                    n_ff=int(meta["llama.feed_forward_length"]),
                    rms_eps=float(meta["llama.attention.layer_norm_rms_epsilon"]),
                    rope_base=float(meta["llama.rope.freq_base"]))
    model = Llama(config)
    names = gguf_tensor_names(model)
    state = {torch_name: torch.from_numpy(dequantize_tensor(reader.tensor(gguf_name)).copy())
             for torch_name, gguf_name in names.items()}
    model.load_state_dict(state)
    model.eval()
    return model


def prompt_ids(tokenizer: Tokenizer, kind: str, text: str) -> List[int]:
    if kind == "raw":
        return [BOS] + tokenizer.encode(text)
    return tokenizer.chat_ids([("user", text)], add_generation_prompt=True)


def prompt_text(kind: str, text: str) -> str:
    """The prompt as text, for `hearth run -p` (which adds BOS): a chat prompt is the chat
    template's rendering of one user message without its leading bos_token."""
    return text if kind == "raw" else f"<|user|>{text}<|end|><|assistant|>"


@torch.no_grad()
def perplexity(model: Llama, tokens: Sequence[int], n_ctx: int) -> Dict[str, float]:
    n_chunks = len(tokens) // n_ctx
    first = n_ctx // 2
    nll, count = 0.0, 0
    for chunk_idx in range(n_chunks):
        chunk = list(tokens[chunk_idx * n_ctx:(chunk_idx + 1) * n_ctx])
        targets = torch.tensor(chunk[first + 1:])
        chunk[0] = BOS
        logits = model(torch.tensor([chunk]))[0, first:n_ctx - 1].double()
        log_probs = F.log_softmax(logits, dim=-1)
        nll -= float(log_probs[torch.arange(len(targets)), targets].sum())
        count += len(targets)
    return {"ppl": math.exp(nll / count), "mean_nll": nll / count, "n_chunks": n_chunks,
            "n_scored": count}


def scored_targets(tokens: Sequence[int], n_ctx: int) -> List[int]:
    first = n_ctx // 2
    return [tokens[chunk_idx * n_ctx + pos + 1] for chunk_idx in range(len(tokens) // n_ctx)
            for pos in range(first, n_ctx - 1)]


def unigram_perplexity(train_tokens: Sequence[int], targets: Sequence[int], n_vocab: int) -> float:
    counts = np.bincount(np.asarray(train_tokens), minlength=n_vocab).astype(np.float64) + 1.0
    log_probs = np.log(counts / counts.sum())
    return float(math.exp(-log_probs[np.asarray(targets)].mean()))


def run(command: List[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"evaluate: {' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout + result.stderr


def hearth_perplexity(hearth: pathlib.Path, model: pathlib.Path, text: pathlib.Path) -> float:
    output = run([str(hearth), "perplexity", "-m", str(model), "-f", str(text), "--ctx", str(PPL_CTX)])
    return float(re.search(r"Final estimate: PPL = ([0-9.]+)", output).group(1))


def hearth_token_count(hearth: pathlib.Path, model: pathlib.Path, text: pathlib.Path) -> int:
    output = run([str(hearth), "tokenize", "-m", str(model), "-f", str(text), "--ids",
                  "--no-parse-special"])
    return len(json.loads(output.strip()))


def same_tensors_as_hearth_quantize(hearth: pathlib.Path, f32: pathlib.Path, q8: pathlib.Path,
                                    scratch: pathlib.Path) -> bool:
    """Whether `hearth quantize F32 OUT Q8_0` gives exactly the tensors of our Q8_0 export."""
    run([str(hearth), "quantize", str(f32), str(scratch), "Q8_0"])
    ours, theirs = GGUFReader(q8), GGUFReader(scratch)
    same = sorted(ours.tensors) == sorted(theirs.tensors) and all(
        ours.tensor(name).type == theirs.tensor(name).type
        and bytes(ours.tensor(name).data) == bytes(theirs.tensor(name).data) for name in ours.tensors)
    scratch.unlink()
    return same


def hearth_samples(hearth: pathlib.Path, model: pathlib.Path) -> List[Dict[str, str]]:
    """A few outputs of `hearth run` for the model card: greedy and sampled (temperature 0.8,
    top-p 0.95, seeds 1-3), raw prompts and the chat format."""
    samples = []
    prompts = [("raw", "You will"), ("raw", "The secret of life is"),
               ("chat", "<|user|>Tell me my fortune.<|end|><|assistant|>"),
               ("chat", "<|user|>What should I cook for dinner?<|end|><|assistant|>")]
    for kind, prompt in prompts:
        settings = [("greedy", ["--temp", "0"])]
        settings += [(f"sampled, seed {seed}", ["--temp", "0.8", "--top-p", "0.95", "--seed", str(seed)])
                     for seed in (1, 2, 3)]
        for label, flags in settings:
            output = run([str(hearth), "--log-level", "off", "run", "-m", str(model), "-p", prompt,
                          "-n", "96"] + flags)
            samples.append({"kind": kind, "prompt": prompt, "setting": label,
                            "output": output[len(prompt):].rstrip("\n")})
    return samples


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--f32", type=pathlib.Path, required=True)
    parser.add_argument("--q8", type=pathlib.Path, required=True)
    parser.add_argument("--tokenizer", type=pathlib.Path, required=True)
    parser.add_argument("--corpus", type=pathlib.Path, required=True)
    parser.add_argument("--heldout-text", type=pathlib.Path, required=True)
    parser.add_argument("--expected", type=pathlib.Path, required=True)
    parser.add_argument("--report", type=pathlib.Path, required=True)
    parser.add_argument("--hearth", type=pathlib.Path, default=None, help="the hearth binary")
    parser.add_argument("--test-binary", type=pathlib.Path, default=None,
                        help="test_demo_model, run on the F32 and the Q8_0 file")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    tokenizer = Tokenizer(args.tokenizer)
    train_fortunes = json.loads((args.corpus / "train.json").read_text(encoding="utf-8"))
    heldout_fortunes = json.loads((args.corpus / "heldout.json").read_text(encoding="utf-8"))
    text = heldout_text(heldout_fortunes)
    args.heldout_text.parent.mkdir(parents=True, exist_ok=True)
    args.heldout_text.write_text(text, encoding="utf-8")
    tokens = [BOS] + tokenizer.encode(text)
    targets = scored_targets(tokens, PPL_CTX)
    train_tokens = [BOS] + tokenizer.encode(heldout_text(train_fortunes))
    unigram = unigram_perplexity(train_tokens, targets, tokenizer.n_vocab)
    print(f"evaluate: held-out text {len(text)} characters, {len(tokens)} tokens; "
          f"unigram perplexity {unigram:.2f}", flush=True)

    report: Dict[str, object] = {"ppl_ctx": PPL_CTX, "heldout_tokens": len(tokens),
                                 "heldout_fortunes": len(heldout_fortunes),
                                 "heldout_join": HELDOUT_JOIN, "unigram_ppl": unigram,
                                 "files": {}}
    greedy: Dict[str, Dict[str, object]] = {}
    for label, path in (("f32", args.f32), ("q8_0", args.q8)):
        start = time.time()
        model = load_gguf_model(path)
        ppl = perplexity(model, tokens, PPL_CTX)
        cases = {}
        for name, kind, prompt in GREEDY_CASES:
            ids = prompt_ids(tokenizer, kind, prompt)
            out = generate_greedy(model, ids, GREEDY_MAX_TOKENS, stop_ids={EOS, END_ID})
            cases[name] = {"kind": kind, "prompt": prompt, "prompt_text": prompt_text(kind, prompt),
                           "prompt_ids": ids, "output_ids": out,
                           "output_text": tokenizer.decode(out)}
        greedy[label] = cases
        report["files"][label] = {"path": str(path), "bytes": path.stat().st_size,
                                  "script_ppl": ppl, "greedy": cases}
        print(f"evaluate: {label}: script perplexity {ppl['ppl']:.4f} over {ppl['n_scored']} tokens "
              f"({time.time() - start:.0f} s)", flush=True)
        for name, case in cases.items():
            print(f"  {name}: {case['output_text']!r}")
    report["greedy_f32_equals_q8_0"] = {
        name: greedy["f32"][name]["output_ids"] == greedy["q8_0"][name]["output_ids"]
        for name in greedy["f32"]}

    def expected_for(label: str) -> Dict[str, object]:
        figures = report["files"][label]
        return {"model_file": pathlib.Path(figures["path"]).name,
                "heldout_text": args.heldout_text.name,
                "ppl_ctx": PPL_CTX, "heldout_tokens": len(tokens),
                "script_ppl": round(figures["script_ppl"]["ppl"], 4),
                "n_scored": figures["script_ppl"]["n_scored"],
                "unigram_ppl": round(unigram, 2),
                "greedy": [{"name": name, **{key: case[key] for key in
                                             ("kind", "prompt", "prompt_text", "prompt_ids",
                                              "output_ids")}}
                           for name, case in figures["greedy"].items()]}

    args.expected.write_text(json.dumps(expected_for("q8_0"), indent=1) + "\n")
    args.report.parent.mkdir(parents=True, exist_ok=True)
    expected_f32 = args.report.parent / "expected-f32.json"
    expected_f32.write_text(json.dumps(expected_for("f32"), indent=1) + "\n")

    if args.hearth:
        for label, path in (("f32", args.f32), ("q8_0", args.q8)):
            figures = report["files"][label]
            figures["hearth_ppl"] = hearth_perplexity(args.hearth, path, args.heldout_text)
            figures["hearth_heldout_tokens"] = hearth_token_count(args.hearth, path, args.heldout_text)
            figures["ppl_relative_difference"] = (
                figures["hearth_ppl"] / figures["script_ppl"]["ppl"] - 1.0)
            print(f"evaluate: {label}: hearth perplexity {figures['hearth_ppl']:.4f} "
                  f"(script {figures['script_ppl']['ppl']:.4f}, "
                  f"{100 * figures['ppl_relative_difference']:+.3f}%), hearth tokens "
                  f"{figures['hearth_heldout_tokens']} (script {len(tokens)})", flush=True)
        report["q8_0_same_as_hearth_quantize"] = same_tensors_as_hearth_quantize(
            args.hearth, args.f32, args.q8, args.report.parent / "hearth-quantize-q8_0.gguf")
        print(f"evaluate: the Q8_0 export's tensors are "
              f"{'identical to' if report['q8_0_same_as_hearth_quantize'] else 'NOT the same as'} "
              "`hearth quantize`'s", flush=True)
        report["samples"] = hearth_samples(args.hearth, args.q8)
    if args.test_binary:
        for label, path, expected in (("f32", args.f32, expected_f32), ("q8_0", args.q8, args.expected)):
            result = subprocess.run([str(args.test_binary)], capture_output=True, text=True,
                                    env={"HEARTH_DEMO_MODEL": str(path.resolve()),
                                         "HEARTH_DEMO_EXPECTED": str(expected.resolve()),
                                         "HEARTH_DEMO_HELDOUT": str(args.heldout_text.resolve()),
                                         "PATH": "/usr/bin:/bin"})
            passed = result.returncode == 0
            report["files"][label]["cxx_test_passed"] = passed
            report["files"][label]["cxx_test_output"] = result.stdout[-4000:]
            print(f"evaluate: {label}: {args.test_binary.name} {'passed' if passed else 'FAILED'}",
                  flush=True)
    args.report.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
