#!/usr/bin/env python3
"""Side-by-side language-model speed: `hearth bench` against llama-bench on the same GGUF files.

    LLAMA_BENCH=/path/to/llama-bench bench/run_llm_compare.py              # 134M set, ~15 min on 2 cores
    bench/run_llm_compare.py --sizes 1.1b --types q4_0,q4_k -p 0 -n 32     # 1.1B generation only
    bench/run_llm_compare.py --hearth-only                                 # no llama-bench

What it does:
  1. writes random-weight llama models into build/bench-models/ with tools/gen_model.py (F16),
     unless they are already there, and quantizes them with `hearth quantize` (Q8_0, Q4_0, Q4_K);
  2. for every model and thread count, runs `hearth bench --json` and `llama-bench -o json` with the
     same file, thread count, prompt and generation lengths and repetitions, alternating the two
     programs (A B A B for --rounds 2), each under /usr/bin/time to record its peak resident memory;
  3. prints a markdown table: tokens/s of both (mean over rounds of each run's mean), the ratio
     Hearth / llama.cpp (mean of the per-round ratios, with their range, since a shared machine is
     noisy and alternating runs see the same noise), Hearth's achieved GB/s for generation, and a
     memory table: peak RSS against the model file plus the KV cache plus 64 MiB.
  --json-out FILE keeps every raw figure.

Only the standard library; run with the system python3.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Model shapes (llama architecture, vocabulary 32000). gen_model.py writes F16; the rest are quantized.
SIZES = {
    "134m": dict(n_embd=768, n_layer=12, n_head=12, n_head_kv=12, n_ff=2048),
    "1.1b": dict(n_embd=2048, n_layer=22, n_head=32, n_head_kv=4, n_ff=5632),
}
TYPES = {"f16": None, "q8_0": "Q8_0", "q4_0": "Q4_0", "q4_k": "Q4_K"}


def log(message):
    print(message, file=sys.stderr, flush=True)


def model_path(models_dir, size, type_name):
    return os.path.join(models_dir, f"llama-{size}-{type_name}.gguf")


def prepare_models(args, sizes, types):
    os.makedirs(args.models_dir, exist_ok=True)
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    for size in sizes:
        f16 = model_path(args.models_dir, size, "f16")
        if not os.path.exists(f16):
            shape = SIZES[size]
            log(f"generating {f16}")
            subprocess.run([python, os.path.join(ROOT, "tools", "gen_model.py"), f16, "--dtype", "f16",
                            "--n-embd", str(shape["n_embd"]), "--n-layer", str(shape["n_layer"]),
                            "--n-head", str(shape["n_head"]), "--n-head-kv", str(shape["n_head_kv"]),
                            "--n-ff", str(shape["n_ff"]), "--n-vocab", "32000", "--ctx", "2048",
                            "--name", f"bench-{size}"], check=True, stdout=subprocess.DEVNULL)
        for type_name in types:
            if TYPES[type_name] is None:
                continue
            out = model_path(args.models_dir, size, type_name)
            if not os.path.exists(out):
                log(f"quantizing {out}")
                subprocess.run([args.hearth, "quantize", f16, out, TYPES[type_name]], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed_json(command):
    """Runs command under /usr/bin/time; returns (parsed JSON stdout, peak RSS in KiB or None, seconds)."""
    rss_file = tempfile.NamedTemporaryFile(prefix="rss-", suffix=".txt", delete=False)
    rss_file.close()
    wrapped = (["/usr/bin/time", "-f", "%M", "-o", rss_file.name] if os.path.exists("/usr/bin/time") else []) + command
    start = time.monotonic()
    proc = subprocess.run(wrapped, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    rss = None
    try:
        with open(rss_file.name) as handle:
            lines = [line.strip() for line in handle if line.strip()]
            rss = int(lines[-1]) if lines else None
    except (OSError, ValueError):
        pass
    os.unlink(rss_file.name)
    return json.loads(proc.stdout), rss, seconds


def kv_bytes(size, n_ctx):
    shape = SIZES[size]
    head_dim = shape["n_embd"] // shape["n_head"]
    return shape["n_layer"] * n_ctx * 2 * shape["n_head_kv"] * head_dim * 2  # K and V, F16


def run(args):
    sizes = [s for s in args.sizes.split(",") if s]
    types = [t for t in args.types.split(",") if t]
    threads = [int(t) for t in args.threads.split(",") if t]
    for size in sizes:
        if size not in SIZES:
            sys.exit(f"unknown size {size} (have {', '.join(SIZES)})")
    for type_name in types:
        if type_name not in TYPES:
            sys.exit(f"unknown type {type_name} (have {', '.join(TYPES)})")
    llama_bench = None if args.hearth_only else (args.llama_bench or os.environ.get("LLAMA_BENCH"))
    if llama_bench and not os.access(llama_bench, os.X_OK):
        sys.exit(f"llama-bench not executable: {llama_bench}")
    prepare_models(args, sizes, types)

    programs = [("hearth", args.hearth)] + ([("llama.cpp", llama_bench)] if llama_bench else [])
    records = []  # one per program run
    started = time.monotonic()
    for size in sizes:
        for type_name in types:
            path = model_path(args.models_dir, size, type_name)
            for n_threads in threads:
                for round_idx in range(args.rounds):
                    for name, binary in programs:
                        common = ["-m", path, "-p", str(args.n_prompt), "-n", str(args.n_gen), "-t", str(n_threads),
                                  "-r", str(args.reps)]
                        command = [binary, "bench"] + common + ["--json"] if name == "hearth" else \
                                  [binary] + common + args.llama_args.split() + ["-o", "json"]
                        results, rss, seconds = timed_json(command)
                        log(f"[{time.monotonic() - started:6.0f}s] {name:9} {size} {type_name} t{n_threads} "
                            f"round {round_idx + 1}: " + ", ".join(
                                f"{'pp' + str(r['n_prompt']) if r['n_prompt'] else 'tg' + str(r['n_gen'])} "
                                f"{r['avg_ts']:.1f} t/s" for r in results) + f" ({seconds:.0f} s, {rss or 0} KiB)")
                        records.append(dict(program=name, size=size, type=type_name, path=path,
                                            file_bytes=os.path.getsize(path), n_threads=n_threads, round=round_idx,
                                            peak_rss_kib=rss, seconds=seconds, command=command, results=results))
    report(args, records, sizes, types, threads, [name for name, _ in programs])
    if args.json_out:
        with open(args.json_out, "w") as handle:
            json.dump(records, handle, indent=1)


def test_name(result):
    return f"pp{result['n_prompt']}" if result["n_prompt"] else f"tg{result['n_gen']}"


def report(args, records, sizes, types, threads, programs):
    compare = len(programs) == 2
    print(f"\n### Speed (tokens/s; mean over {args.rounds} alternating round(s) of {args.reps} repetitions each)\n")
    header = "| model | threads | test | Hearth t/s |"
    rule = "| --- | ---: | ---: | ---: |"
    if compare:
        header += " llama.cpp t/s | Hearth / llama.cpp | per-round ratios |"
        rule += " ---: | ---: | --- |"
    header += " Hearth GB/s |"
    rule += " ---: |"
    print(header)
    print(rule)
    for size in sizes:
        for type_name in types:
            for n_threads in threads:
                mine = [r for r in records if r["size"] == size and r["type"] == type_name and r["n_threads"] == n_threads]
                tests = [test_name(res) for res in mine[0]["results"]]
                for test in tests:
                    def series(program):
                        values = []
                        for rec in sorted((r for r in mine if r["program"] == program), key=lambda r: r["round"]):
                            values += [res for res in rec["results"] if test_name(res) == test]
                        return values
                    ours = series("hearth")
                    ours_ts = statistics.mean(res["avg_ts"] for res in ours)
                    row = f"| {size} {type_name.upper()} | {n_threads} | {test} | {ours_ts:.1f} |"
                    if compare:
                        theirs = series("llama.cpp")
                        theirs_ts = statistics.mean(res["avg_ts"] for res in theirs)
                        ratios = [a["avg_ts"] / b["avg_ts"] for a, b in zip(ours, theirs)]
                        row += (f" {theirs_ts:.1f} | **{statistics.mean(ratios):.2f}x** |"
                                f" {' '.join(f'{x:.2f}' for x in ratios)} |")
                    gbps = statistics.mean(res.get("avg_gbps", 0.0) for res in ours) if test.startswith("tg") else None
                    row += f" {gbps:.2f} |" if gbps else " |"
                    print(row)

    print("\n### Peak resident memory (largest over the runs of each program, all tests of a run in one process)\n")
    n_ctx = max(args.n_prompt, args.n_gen) + 1
    header = "| model | file MiB | KV MiB (n_ctx {}) | Hearth peak RSS MiB | file + KV + 64 MiB | within |".format(n_ctx)
    rule = "| --- | ---: | ---: | ---: | ---: | --- |"
    if compare:
        header += " llama.cpp peak RSS MiB |"
        rule += " ---: |"
    print(header)
    print(rule)
    mib = 1048576.0
    for size in sizes:
        for type_name in types:
            mine = [r for r in records if r["size"] == size and r["type"] == type_name]
            file_mib = mine[0]["file_bytes"] / mib
            kv_mib = kv_bytes(size, n_ctx) / mib
            limit = file_mib + kv_mib + 64
            ours = max((r["peak_rss_kib"] or 0) for r in mine if r["program"] == "hearth") / 1024.0
            row = (f"| {size} {type_name.upper()} | {file_mib:.1f} | {kv_mib:.1f} | {ours:.1f} | {limit:.1f} |"
                   f" {'yes' if ours <= limit else f'no (+{ours - limit:.1f} MiB)'} |")
            if compare:
                theirs = max((r["peak_rss_kib"] or 0) for r in mine if r["program"] == "llama.cpp") / 1024.0
                row += f" {theirs:.1f} |"
            print(row)
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hearth", default=os.path.join(ROOT, "build", "release", "bin", "hearth"))
    parser.add_argument("--llama-bench", default=None, help="llama-bench binary (default: $LLAMA_BENCH)")
    parser.add_argument("--llama-args", default="", help="extra llama-bench arguments, e.g. '--poll 0'")
    parser.add_argument("--hearth-only", action="store_true", help="run hearth bench alone")
    parser.add_argument("--models-dir", default=os.path.join(ROOT, "build", "bench-models"))
    parser.add_argument("--sizes", default="134m", help=f"comma-separated, of {', '.join(SIZES)}")
    parser.add_argument("--types", default="f16,q8_0,q4_0,q4_k", help=f"comma-separated, of {', '.join(TYPES)}")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("-p", "--n-prompt", type=int, default=128, help="prompt length (0: no pp test)")
    parser.add_argument("-n", "--n-gen", type=int, default=64, help="generation length (0: no tg test)")
    parser.add_argument("-r", "--reps", type=int, default=3, help="repetitions per run (after one warm-up)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per program")
    parser.add_argument("--json-out", default=None, help="write every raw result here")
    args = parser.parse_args()
    if args.n_prompt <= 0 and args.n_gen <= 0:
        sys.exit("nothing to measure: -p and -n are both 0")
    run(args)


if __name__ == "__main__":
    main()
