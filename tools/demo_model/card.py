#!/usr/bin/python3
"""Writes the demo model's card (models/README.md) from what the other steps recorded:

    card.py --work build/demo_model --out models/README.md

WORK/corpus/corpus_stats.json (corpus.py), WORK/train/train_log.json (train.py),
WORK/report.json (evaluate.py), WORK/timings.json (tools/train_demo_model). Every figure in the
card comes from those files, so the card cannot drift from the model it describes.
"""
from __future__ import annotations

import argparse
import json
import math
import pathlib
import subprocess
import sys
from typing import Dict, List

from tokenizer import CHAT_TEMPLATE, CONTROL_TOKENS, VOCAB_SIZE

COPYRIGHT_FILE = "/usr/share/doc/fortunes/copyright"


def package_version(name: str) -> str:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def show(text: str) -> str:
    """A model output inside a Markdown table cell: visible newlines and tabs, escaped pipes."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "⏎").replace("\t", "⇥")
            .strip() or "(nothing)")


def corpus_section(stats: Dict) -> List[str]:
    files = ", ".join(f"`{name}` ({counts['kept']})" for name, counts in sorted(stats["files"].items()))
    return [
        "## Corpus",
        "",
        f"The English fortune cookies of Debian 12's `fortunes` ({package_version('fortunes')}) and "
        f"`fortunes-min` ({package_version('fortunes-min')}) packages: every collection under "
        "`/usr/share/games/fortunes` except `ascii-art` (pictures) and `translate-me` (Latin and "
        f"French). {stats['read']} fortunes, {stats['raw_bytes'] / 1e6:.2f} MB. "
        "`tools/demo_model/corpus.py` cleans each one:",
        "",
        "- backspace overstrikes (underlined and bold words, "
        f"{stats['backspace_lines']} lines) are resolved as a terminal prints them: `*___\\b\\b\\band*` "
        "becomes `*and*`; other control characters (bells) are removed;",
        "- trailing blanks go; leading blanks of a line (any width) become one tab, so "
        "indentation and the `\\t-- Author` attribution lines survive; runs of blanks inside a "
        "line become one space; runs of blank lines become one.",
        "",
        "Dropped: "
        f"{stats['blocklisted']} fortunes containing a word of `tools/demo_model/blocklist.txt` "
        "(crude, sexual or hateful words and slurs, and a few topics unsuited to greeting a new "
        f"user: this model answers everyone), {stats['not_text']} whose visible characters are "
        f"less than 60% letters (ASCII art, line noise), {stats['too_long']} longer than 1000 "
        f"characters (stories, longer than the context), {stats['duplicate']} repeats "
        "(ignoring case and blanks).",
        "",
        f"Kept: {stats['kept']} fortunes. Split by a fixed rule that depends only on the text: a "
        "fortune is held out when the first 4 bytes of the SHA-256 of its cleaned text, as a "
        "big-endian number, are 0 modulo 20. "
        f"Train: {stats['train']} fortunes ({stats['train_chars'] / 1e6:.2f} M characters); "
        f"held out: {stats['heldout']} ({stats['heldout_chars'] / 1e3:.0f} k characters).",
        "",
        f"Fortunes kept per collection: {files}.",
        "",
        "### License",
        "",
        f"Debian's copyright file (`{COPYRIGHT_FILE}`, the same in `fortunes-min`) gives one "
        "license for the package: \"This program falls under the BSD copyright\", followed by the "
        "University of California's BSD license (Copyright (c) 1991 The Regents of the University "
        "of California; clause 3, the advertising clause, deleted: in effect the 3-clause BSD "
        "license). It names no other license for the fortune files; it credits the `cookie` file "
        "to Karl Lehenbauer's postings to alt.sources and carries the header of an atheism cookie "
        "file that these packages do not install. Both packages are in Debian's main archive "
        "(free software by the Debian Free Software Guidelines). Many fortunes are short "
        "quotations of named authors, attributed in the text. The model can reproduce fortunes "
        "of the corpus word for word (see Limitations), so it is distributed with this notice, "
        "as the fortune files are.",
        "",
    ]


def tokenizer_section(report: Dict, train_log: Dict) -> List[str]:
    ids = ", ".join(f"`{text}` = {idx}" for idx, text in
                    enumerate(["<unk>", "<s>", "</s>"] + CONTROL_TOKENS))
    return [
        "## Tokenizer",
        "",
        f"SentencePiece BPE, {VOCAB_SIZE} pieces, trained by `tools/demo_model/tokenizer.py` with "
        f"Debian's python3-sentencepiece ({package_version('python3-sentencepiece')}) on the train "
        "fortunes and the chat prompts; byte fallback (256 `<0xXX>` tokens), digits split, no "
        "normalization, no space prefix (`tokenizer.ggml.add_space_prefix = false`: a text's ids do "
        "not depend on whether it follows a control token). Stored in the GGUF as a `llama` "
        f"tokenizer. Special tokens (all typed CONTROL): {ids}. BOS is added to every prompt; "
        "`tokenizer.ggml.eos_token_id` is `</s>` (ends a plain completion), "
        "`tokenizer.ggml.eot_token_id` is `<|end|>` (ends a chat answer); Hearth stops at either. "
        "The tab character is the byte token `<0x09>`. Hearth's tokenizer gives exactly "
        "python3-sentencepiece's ids on the whole corpus (checked on the held-out text by the tests: "
        f"{report['heldout_tokens']} tokens).",
        "",
        "Chat template (`tokenizer.chat_template`; a message of role R is `<|R|>CONTENT<|end|>`):",
        "",
        "```jinja",
        CHAT_TEMPLATE,
        "```",
        "",
        "so one user message renders as `<s><|user|>Tell me my fortune.<|end|><|assistant|>` and the "
        "model answers with a fortune followed by `<|end|>`. Roles: `system`, `user`, `assistant`.",
        "",
    ]


def architecture_section(train_log: Dict) -> List[str]:
    cfg = train_log["model_config"]
    head_dim = cfg["n_embd"] // cfg["n_head"]
    return [
        "## Architecture",
        "",
        "The `llama` architecture as Hearth runs it (`tools/demo_model/model.py`): RMSNorm, RoPE "
        "(normal mode, adjacent pairs), SwiGLU feed-forward, causal multi-head attention, output "
        "projection tied to the token embedding (the file has no `output.weight`).",
        "",
        "| parameters | layers | n_embd | heads x head_dim | n_ff | context | vocabulary | RoPE base | RMSNorm eps |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {train_log['n_params']:,} | {cfg['n_layer']} | {cfg['n_embd']} | {cfg['n_head']} x {head_dim} "
        f"(no GQA) | {cfg['n_ff']} | {cfg['n_ctx']} | {cfg['n_vocab']} | {cfg['rope_base']:g} | {cfg['rms_eps']:g} |",
        "",
    ]


def training_section(train_log: Dict, timings: Dict) -> List[str]:
    cfg, model_cfg = train_log["train_config"], train_log["model_config"]
    tokens_seen = cfg["steps"] * cfg["batch"] * model_cfg["n_ctx"]
    lines = [
        "## Training",
        "",
        f"`tools/demo_model/train.py` with Debian's python3-torch ({train_log['torch']}) on the CPU, "
        f"{train_log['threads']} thread(s), OpenBLAS with `OPENBLAS_CORETYPE="
        f"{train_log['openblas_coretype'] or '(unset)'}`, seed {cfg['seed']}.",
        "",
        "Data: each epoch is every train fortune once as a plain document `<s>FORTUNE</s>`, plus "
        "half as many chats `<s>[<|system|>S<|end|>][earlier turn]<|user|>U<|end|><|assistant|>"
        "FORTUNE<|end|>` (U one of the 299 everyday messages of `tools/demo_model/prompts.txt`, a "
        "system message from `system_prompts.txt` in 25% of chats, an earlier user/fortune turn in "
        "20%), shuffled, concatenated and cut into windows of "
        f"{model_cfg['n_ctx']} + 1 tokens. The loss is on every token.",
        "",
        f"Steps: {cfg['steps']} of {cfg['batch']} x {model_cfg['n_ctx']} tokens "
        f"({tokens_seen / 1e6:.1f} M tokens). AdamW (betas 0.9/0.95, weight decay "
        f"{cfg['weight_decay']} on matrices), learning rate {cfg['lr']:g} after {cfg['warmup']} "
        f"warm-up steps, cosine decay to {cfg['min_lr']:g}, gradient clipping {cfg['grad_clip']:g}, "
        f"dropout {model_cfg['dropout'] if model_cfg['dropout'] else 0.1:g} on the embeddings and "
        "residual branches.",
        "",
    ]
    for change in train_log.get("resumed", []):
        lines += [
            f"This run was interrupted and resumed at step {change['at_step']} with a length of "
            f"{change['steps_after']} steps instead of {change['steps_before']}: the learning rate "
            f"followed the cosine schedule of {change['steps_before']} steps before that step and "
            f"of {change['steps_after']} after it. A run from scratch with the same length "
            "(`tools/train_demo_model`) follows one schedule and ends at a similar loss, not at "
            "the same weights.",
            "",
        ]
    lines += [
        "Losses (mean next-token cross-entropy in nats, no dropout, the same packing of plain "
        "documents for both columns; train: as many windows of train fortunes as there are held-out "
        "windows, spread over the corpus):",
        "",
        "| step | train loss | held-out loss | held-out perplexity |",
        "|---|---|---|---|",
    ]
    for item in train_log["evals"]:
        lines.append(f"| {item['step']} | {item['train_loss']:.3f} | {item['heldout_loss']:.3f} | "
                     f"{math.exp(item['heldout_loss']):.2f} |")
    lines += [
        "",
        f"Time: the training took {minutes(train_log['wall_seconds'])} wall clock and "
        f"{minutes(train_log['cpu_seconds'])} of CPU time (all threads of the process) on a 2-core "
        "machine that other builds were using at the same time (load average 6 to 15 on 2 cores), "
        "so the wall time is not the training's own cost; the CPU time is the better measure. "
        "With 2 threads on this machine under load, a step took longer in wall time than with 1 "
        "(OpenMP threads waiting for each other), hence 1 thread.",
        "",
    ]
    return lines


def evaluation_section(report: Dict) -> List[str]:
    files = report["files"]
    lines = [
        "## Evaluation",
        "",
        "Held-out perplexity with `hearth perplexity`'s protocol (`apps/hearth/cmd_perplexity.cpp`, "
        "the same as llama.cpp's): the held-out fortunes joined by one blank line (`\\n\\n`, "
        "`models/fortune-teller.heldout.txt`) are tokenized once with BOS "
        f"({report['heldout_tokens']} tokens); chunks of N = {report['ppl_ctx']} tokens, each "
        "evaluated alone with its first token replaced by BOS; positions N/2 .. N-2 of each chunk "
        "score the next token. `tools/demo_model/evaluate.py` implements the same protocol in "
        "PyTorch on the weights read back from each GGUF file (the Q8_0 file dequantized), so "
        "both programs score the same tokens with the same weights. Hearth runs with its defaults "
        "(F16 KV cache; in Q8_0 matrix products it quantizes activations to 8 bits).",
        "",
        "The Q8_0 file's tensors are "
        + ("byte for byte those `hearth quantize F32 OUT Q8_0` writes from the F32 export."
           if report.get("q8_0_same_as_hearth_quantize") else
           "NOT those `hearth quantize` writes (evaluate.py found a difference).")
        + "",
        "",
        "| file | size | training script | Hearth | difference |",
        "|---|---|---|---|---|",
    ]
    for label, name in (("f32", "F32 export"), ("q8_0", "Q8_0 (`models/fortune-teller.gguf`)")):
        item = files[label]
        hearth = item.get("hearth_ppl")
        diff = item.get("ppl_relative_difference")
        lines.append(f"| {name} | {item['bytes'] / 1e6:.1f} MB | {item['script_ppl']['ppl']:.3f} | "
                     f"{hearth:.3f} | {100 * diff:+.3f}% |" if hearth is not None else
                     f"| {name} | {item['bytes'] / 1e6:.1f} MB | {item['script_ppl']['ppl']:.3f} | - | - |")
    q8 = files["q8_0"]["script_ppl"]
    lines += [
        "",
        f"A unigram model (train-token frequencies, add-one smoothing) scores the same "
        f"{q8['n_scored']} tokens at perplexity {report['unigram_ppl']:.1f}: the model's "
        f"{q8['ppl']:.2f} is {report['unigram_ppl'] / q8['ppl']:.0f} times lower. The figure is "
        "above the held-out loss of the training log because chunk boundaries fall anywhere, the "
        "blank lines between fortunes are scored (the model saw `</s><s>` there in training), and "
        "half of each chunk is scored with at most half a chunk of context.",
        "",
    ]
    return lines


def greedy_section(report: Dict) -> List[str]:
    files = report["files"]
    lines = [
        "## Greedy identity (training script vs Hearth)",
        "",
        "The training script generates greedily (argmax, up to 48 tokens, stopping after `</s>` or "
        "`<|end|>`) from fixed prompts with the weights read back from the GGUF file, and records "
        "the token ids (`models/fortune-teller.expected.json`). `tests/demo_model` runs Hearth's "
        "engine on the same file (default F16 KV cache) step by step and requires the same ids, "
        "up to the end or up to a near tie: a step where Hearth's two best logits are within 0.01 "
        "and the script chose Hearth's second (Hearth's 8-bit activations in Q8_0 products round "
        "differently from the script's float arithmetic); at least one prompt must agree to the "
        "end. "
        "`evaluate.py` ran that test on both exports: "
        f"F32 {'passed' if files['f32'].get('cxx_test_passed') else 'FAILED'}, "
        f"Q8_0 {'passed' if files['q8_0'].get('cxx_test_passed') else 'FAILED'}. "
        "In the script, F32 and Q8_0 weights give "
        + ("the same ids for every prompt." if all(report["greedy_f32_equals_q8_0"].values()) else
           "different ids for " + ", ".join(name for name, same in report["greedy_f32_equals_q8_0"].items()
                                            if not same) + " (quantization changes the weights)."),
        "",
        "| prompt | kind | greedy output (Q8_0) | tokens |",
        "|---|---|---|---|",
    ]
    for name, case in files["q8_0"]["greedy"].items():
        lines.append(f"| `{show(case['prompt'])}` | {case['kind']} | {show(case['output_text'])} | "
                     f"{len(case['output_ids'])} |")
    lines.append("")
    return lines


def samples_section(report: Dict) -> List[str]:
    if "samples" not in report:
        return []
    lines = [
        "## Sample outputs",
        "",
        "From `hearth run -m models/fortune-teller.gguf -p PROMPT -n 96` (sampled: `--temp 0.8 "
        "--top-p 0.95 --seed S`). ⏎ marks a newline, ⇥ a tab.",
        "",
        "| prompt | setting | output |",
        "|---|---|---|",
    ]
    for sample in report["samples"]:
        lines.append(f"| `{show(sample['prompt'])}` | {sample['setting']} | {show(sample['output'])} |")
    lines.append("")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=pathlib.Path, required=True)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args(argv)
    stats = json.loads((args.work / "corpus" / "corpus_stats.json").read_text())
    train_log = json.loads((args.work / "train" / "train_log.json").read_text())
    report = json.loads((args.work / "report.json").read_text())
    timings = json.loads((args.work / "timings.json").read_text())
    total_wall = sum(item["wall_seconds"] for item in timings.values())
    total_cpu = sum(item["cpu_seconds"] for item in timings.values())
    final = train_log["evals"][-1]
    q8 = report["files"]["q8_0"]

    lines = [
        "# Hearth Fortune Teller: the built-in demo model",
        "",
        "A small language model that Hearth ships so that a fresh install does something real with "
        "no download: `hearth run -p \"...\"` without `-m`, and `hearth serve` without models, use "
        "it (model id `fortune-teller`). It was trained from scratch by this project on the fortune "
        "cookies of two Debian packages, and whatever it is told, it answers with a fortune. The "
        "integration tests and the dashboard demo use it too.",
        "",
        "| file | what |",
        "|---|---|",
        f"| `fortune-teller.gguf` | the model, Q8_0 matrices and F32 norms, "
        f"{q8['bytes'] / 1e6:.1f} MB |",
        "| `fortune-teller.heldout.txt` | the held-out fortunes, as `hearth perplexity -f` reads them |",
        "| `fortune-teller.expected.json` | the training script's figures that `tests/demo_model` checks |",
        "",
        f"Summary: {train_log['n_params'] / 1e6:.2f} M parameters, llama architecture, context "
        f"{train_log['model_config']['n_ctx']}, {VOCAB_SIZE}-piece SentencePiece vocabulary; "
        f"{train_log['train_config']['steps']} training steps; final train loss "
        f"{final['train_loss']:.3f}, held-out loss {final['heldout_loss']:.3f}; held-out perplexity "
        f"({report['ppl_ctx']}-token chunks) {q8['script_ppl']['ppl']:.2f} in the training script and "
        f"{q8.get('hearth_ppl', float('nan')):.2f} in Hearth (Q8_0), against "
        f"{report['unigram_ppl']:.1f} for a unigram model.",
        "",
        "```sh",
        "hearth run -p \"You will\"                                     # completes a fortune",
        "hearth run -p \"<|user|>Tell me my fortune.<|end|><|assistant|>\"  # the chat format",
        "```",
        "",
    ]
    lines += corpus_section(stats)
    lines += tokenizer_section(report, train_log)
    lines += architecture_section(train_log)
    lines += training_section(train_log, timings)
    lines += evaluation_section(report)
    lines += greedy_section(report)
    lines += samples_section(report)
    lines += [
        "## Limitations",
        "",
        "- It knows nothing but fortunes. It does not answer questions, follow instructions or "
        "hold a conversation: every answer is a fortune, related to the message only by chance.",
        "- It is small and briefly trained: its fortunes are often ungrammatical or "
        "nonsensical, attributions are invented (\"-- Mark Twain\" under words Mark Twain never "
        "wrote), and it repeats well-known fortunes of the corpus word for word.",
        "- The word-list filter is coarse: it drops some harmless fortunes and cannot catch every "
        "offensive one, and the model can combine harmless words into something unpleasant. The "
        "fortune files date from the 1970s to the 2000s and carry their attitudes.",
        "- Context 256 tokens: longer prompts or conversations are out of what it was trained on.",
        "- English only.",
        "",
        "## Rebuilding",
        "",
        "```sh",
        "scripts/setup.sh --train        # python3-torch, OpenBLAS, fortunes, fortunes-min",
        "nice tools/train_demo_model     # writes models/* and this card; work files in build/demo_model",
        "```",
        "",
        f"The last rebuild took {minutes(total_wall)} wall clock and {minutes(total_cpu)} of CPU "
        "time in all, on the shared 2-core machine described above: "
        + ", ".join(f"{name} {minutes(item['wall_seconds'])} ({minutes(item['cpu_seconds'])} CPU)"
                    for name, item in timings.items())
        + ". Everything is seeded: the corpus, split and vocabulary are identical on every run, "
        "and the training gives the same weights with the same thread count and library versions "
        "(other thread counts or BLAS builds change the last bits of the arithmetic, so the weights "
        "differ slightly; the tests would then need the new expected figures, which the same run "
        "writes).",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"card: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
