"""Run the side-by-side benchmarks (issue 14, §3) and print their Markdown tables.

    python -m benchmarks.run                 # all of them (hours on a 2-core CPU)
    python -m benchmarks.run --quick         # a subset: 5.3 minutes on a quiet machine
                                             # (2026-12-01, before two benchmarks joined)
    python -m benchmarks.run --only serving_speed cli_speed
    python -m benchmarks.run --quick --dry-run   # print the commands only

Each benchmark runs in its own Python process (`python -m benchmarks.NAME ...`), so one that
fails (a missing optional package, memory) does not stop the rest; its exit code and the
tail of its output are reported. Every benchmark writes benchmarks/results/NAME.json (the
machine described in it); this script adds NAME.log (the whole output) and run.json (what
ran, how long, with which exit code). Run it on a quiet machine: the figures are medians of
alternating rounds, but two cores shared with other work still move them.

--quick measures, per benchmark: ResNet-50 only, at batch 8, without XLA, against
keras.applications; the classifier's training step only (no ResNet-50, no thread settings)
against a 2048² matrix-product peak, and its time split into forward, backward, optimizer
and pipeline; serving (and serving in bf16) with fewer calls; the CLI over 200 PNGs and 50
JPEGs; every custom-layer pair; accuracy per minute (reads records, trains nothing).
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import timing

REPO = Path(__file__).resolve().parent.parent

# name -> (arguments for a full run, arguments for --quick); the order is the run order.
BENCHMARKS = {
    "accuracy_per_minute": ([], []),
    "custom_layers_vs_reference": (["--repeats", "7"], ["--repeats", "5"]),
    "roi_pooling_before_after": (["--repeats", "7"], ["--repeats", "5"]),
    "serving_speed": (["--repeats", "7"],
                      ["--repeats", "5", "--batch1-calls", "20", "--batch64-calls", "5"]),
    "serving_precision": (["--repeats", "7"], ["--repeats", "5", "--batch1-calls", "20",
                                                "--batch64-calls", "5"]),
    "cli_speed": (["--repeats", "5"],
                  ["--repeats", "5", "--pngs", "200", "--jpegs", "50", "--loop-images", "50"]),
    "arithmetic_efficiency": (["--repeats", "5"],
                              ["--repeats", "5", "--workloads", "classifier", "--threads",
                               "--matmul-n", "2048"]),
    "training_step_breakdown": (["--repeats", "5"],
                                ["--repeats", "3", "--workloads", "classifier"]),
    "builders_vs_keras_applications": (["--repeats", "5"],
                                       ["--repeats", "5", "--models", "resnet50", "--batches",
                                        "8", "--xla", "off"]),
}


def parser():
    p = argparse.ArgumentParser(prog="python -m benchmarks.run",
                                description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the ~5-minute subset")
    p.add_argument("--only", nargs="+", choices=list(BENCHMARKS), metavar="NAME",
                   help=f"run only these ({', '.join(BENCHMARKS)})")
    p.add_argument("--results-dir", default=str(timing.RESULTS_DIR))
    p.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    return p


def plan(args):
    """[(name, command)] in run order, for the parsed `args`."""
    names = [n for n in BENCHMARKS if not args.only or n in args.only]
    commands = []
    for name in names:
        full, quick = BENCHMARKS[name]
        commands.append((name, [sys.executable, "-m", f"benchmarks.{name}",
                                *(quick if args.quick else full),
                                "--results-dir", args.results_dir]))
    return commands


def tables_in(output):
    """The part of a benchmark's output worth reprinting: from its first table line on."""
    lines = output.splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("|")), None)
    return "\n".join(lines[max(0, first - 2):]) if first is not None else "\n".join(lines[-5:])


def run_one(name, command, results_dir):
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    (results_dir / f"{name}.log").write_text(done.stdout + "\n--- stderr ---\n" + done.stderr)
    return {"name": name, "command": command, "exit_code": done.returncode,
            "seconds": round(seconds, 1), "output": done.stdout,
            "error_tail": done.stderr[-2000:] if done.returncode else ""}


def main(argv=None):
    args = parser().parse_args(argv)
    commands = plan(args)
    if args.dry_run:
        for _, command in commands:
            print(" ".join(command))
        return 0
    results_dir = Path(args.results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    print(f"# Benchmarks{' (quick)' if args.quick else ''}\n\n"
          f"{timing.machine_line(timing.machine())}\n", flush=True)
    runs = []
    for name, command in commands:
        print(f"## {name}\n", flush=True)
        record = run_one(name, command, results_dir)
        runs.append({k: v for k, v in record.items() if k != "output"})
        if record["exit_code"]:
            print(f"FAILED (exit code {record['exit_code']}, {record['seconds']} s):\n```\n"
                  f"{record['error_tail'][-1500:]}\n```\n", flush=True)
        else:
            print(f"{tables_in(record['output'])}\n\n({record['seconds']} s)\n", flush=True)
    (results_dir / "run.json").write_text(json.dumps(
        {"quick": args.quick, "machine": timing.machine(), "runs": runs}, indent=2) + "\n")
    failed = [r["name"] for r in runs if r["exit_code"]]
    print(f"{len(runs) - len(failed)} of {len(runs)} benchmarks finished"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
