#!/usr/bin/python3
"""Trains the demo model (model.py) on the fortune corpus with PyTorch on the CPU.

    train.py --corpus DIR --tokenizer T.model --out DIR [--steps N] [--resume]

AdamW (betas 0.9/0.95, weight decay on matrices only), linear warm-up then cosine decay to
min_lr, gradient clipping at 1, dropout on the residual branches. Everything random is seeded
by --seed: the weights' initialisation, the data order (data.py) and dropout. Every
--eval-every steps, and at the end, the mean next-token loss is measured without dropout on the
held-out fortunes and on as many windows of train fortunes, spread evenly over the corpus
(the same packing, data.packed_windows).

Writes OUT/checkpoint.pt (weights, optimizer, step, RNG state: --resume continues from it) and
OUT/train_log.json (configuration, losses, wall and CPU seconds; CPU time counts every thread
of the process).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import pathlib
import sys
import time
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F

from data import EpochData, packed_windows
from model import Config, Llama
from tokenizer import Tokenizer


LOG_EVERY = int(os.environ.get("HEARTH_TRAIN_LOG_EVERY", "50"))
DROPOUT = 0.1  # model.Config's default is 0 (inference); training uses this unless --dropout


def _field_type(field: dataclasses.Field):
    """int or float: the dataclass field's annotation (a string under postponed evaluation)."""
    return {"int": int, "float": float}[str(field.type)]


@dataclasses.dataclass
class TrainConfig:
    steps: int = 750
    batch: int = 16
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup: int = 100
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    seed: int = 1234
    threads: int = 1
    eval_every: int = 250
    checkpoint_every: int = 250


def learning_rate(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1 + math.cos(math.pi * min(1.0, progress)))


@torch.no_grad()
def mean_loss(model: Llama, windows: np.ndarray, batch: int = 16) -> float:
    model.eval()
    total, count = 0.0, 0
    for start in range(0, len(windows), batch):
        chunk = torch.from_numpy(windows[start:start + batch])
        logits = model(chunk[:, :-1])
        losses = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), chunk[:, 1:].reshape(-1),
                                 reduction="sum")
        total += float(losses)
        count += chunk[:, 1:].numel()
    model.train()
    return total / count


def make_optimizer(model: Llama, cfg: TrainConfig) -> torch.optim.Optimizer:
    decay = [param for name, param in model.named_parameters() if param.dim() >= 2]
    no_decay = [param for name, param in model.named_parameters() if param.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=cfg.lr, betas=(0.9, 0.95), eps=1e-8, foreach=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=pathlib.Path, required=True)
    parser.add_argument("--tokenizer", type=pathlib.Path, required=True)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    for cls in (TrainConfig, Config):
        for field in dataclasses.fields(cls):
            if field.name != "n_vocab":
                parser.add_argument("--" + field.name.replace("_", "-"), type=_field_type(field),
                                    default=None, help=f"default {field.default}")
    args = parser.parse_args(argv)

    def pick(cls, **fixed):
        values = {field.name: getattr(args, field.name) for field in dataclasses.fields(cls)
                  if getattr(args, field.name, None) is not None}
        values.update(fixed)
        return cls(**values)

    tokenizer = Tokenizer(args.tokenizer)
    cfg = pick(TrainConfig)
    model_cfg = pick(Config, n_vocab=tokenizer.n_vocab)
    if args.dropout is None:
        model_cfg.dropout = DROPOUT
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)

    train_fortunes = json.loads((args.corpus / "train.json").read_text(encoding="utf-8"))
    heldout_fortunes = json.loads((args.corpus / "heldout.json").read_text(encoding="utf-8"))
    data = EpochData(tokenizer, train_fortunes, model_cfg.n_ctx, cfg.seed)
    heldout_windows = packed_windows([tokenizer.raw_ids(text) for text in heldout_fortunes],
                                     model_cfg.n_ctx)
    all_train_windows = packed_windows(data.raw_docs, model_cfg.n_ctx)
    spread = np.linspace(0, len(all_train_windows) - 1, len(heldout_windows)).astype(np.int64)
    train_eval_windows = all_train_windows[spread]   # as many as held out, spread over the files

    model = Llama(model_cfg)
    optimizer = make_optimizer(model, cfg)
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoint_path = args.out / "checkpoint.pt"
    log: Dict[str, object] = {"train_config": dataclasses.asdict(cfg),
                              "model_config": dataclasses.asdict(model_cfg),
                              "n_params": model.n_params(), "evals": [], "steps": [],
                              "wall_seconds": 0.0, "cpu_seconds": 0.0,
                              "torch": torch.__version__, "threads": cfg.threads,
                              "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "")}
    step = 0
    if args.resume and checkpoint_path.exists():
        state = torch.load(checkpoint_path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng"])
        step = state["step"]
        log = state["log"]
        if log["train_config"]["steps"] != cfg.steps:
            # A resumed run may be given another length: the cosine schedule follows the new one
            # from here, and the log says where the change happened.
            log.setdefault("resumed", []).append({"at_step": step, "steps_before": log["train_config"]["steps"],
                                                  "steps_after": cfg.steps})
            log["train_config"]["steps"] = cfg.steps
        print(f"train: resuming at step {step}")

    windows_per_epoch = len(data.windows(0))
    print(f"train: {model.n_params() / 1e6:.2f}M parameters, {model_cfg.n_layer} layers, "
          f"n_embd {model_cfg.n_embd}, {model_cfg.n_head} heads x {model_cfg.head_dim}, "
          f"n_ff {model_cfg.n_ff}, context {model_cfg.n_ctx}; {windows_per_epoch} windows "
          f"({windows_per_epoch * model_cfg.n_ctx} tokens) per epoch; {cfg.steps} steps of "
          f"{cfg.batch} x {model_cfg.n_ctx} tokens", flush=True)

    def evaluate():
        heldout = mean_loss(model, heldout_windows)
        train = mean_loss(model, train_eval_windows)
        log["evals"].append({"step": step, "train_loss": train, "heldout_loss": heldout})
        print(f"eval step {step}: train loss {train:.4f}, held-out loss {heldout:.4f} "
              f"(ppl {math.exp(heldout):.2f})", flush=True)

    def save():
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "rng": torch.get_rng_state(), "step": step, "log": log,
                    "model_config": dataclasses.asdict(model_cfg)}, checkpoint_path)
        (args.out / "train_log.json").write_text(json.dumps(log, indent=1) + "\n")

    model.train()
    epoch_cache = {}
    wall_start, cpu_start = time.time(), time.process_time()
    wall_base, cpu_base = log["wall_seconds"], log["cpu_seconds"]
    recent: List[float] = []
    while step < cfg.steps:
        epoch, batch_idx = divmod(step * cfg.batch, windows_per_epoch)
        if epoch not in epoch_cache:
            epoch_cache = {epoch: data.windows(epoch)}
        windows = epoch_cache[epoch]
        batch = torch.from_numpy(windows[batch_idx:batch_idx + cfg.batch])
        if len(batch) < cfg.batch:  # the epoch's last, partial batch: top up from the next
            batch = torch.cat([batch, torch.from_numpy(data.windows(epoch + 1)[:cfg.batch - len(batch)])])
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, cfg)
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        step += 1
        recent.append(float(loss))
        log["wall_seconds"] = wall_base + time.time() - wall_start
        log["cpu_seconds"] = cpu_base + time.process_time() - cpu_start
        if step % LOG_EVERY == 0 or step == cfg.steps:
            mean = sum(recent) / len(recent)
            log["steps"].append({"step": step, "loss": mean, "lr": learning_rate(step - 1, cfg),
                                 "wall_seconds": round(log["wall_seconds"], 1),
                                 "cpu_seconds": round(log["cpu_seconds"], 1)})
            print(f"step {step}: loss {mean:.4f} lr {learning_rate(step - 1, cfg):.2e} "
                  f"epoch {step * cfg.batch / windows_per_epoch:.2f} "
                  f"wall {log['wall_seconds']:.0f} s cpu {log['cpu_seconds']:.0f} s", flush=True)
            recent = []
        if step % cfg.eval_every == 0 or step == cfg.steps:
            evaluate()
        if step % cfg.checkpoint_every == 0 or step == cfg.steps:
            save()
    print(f"train: done, {log['wall_seconds'] / 60:.1f} min wall, {log['cpu_seconds'] / 60:.1f} "
          "min CPU", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
