"""Side-by-side timing on a noisy machine: warm-up, alternating rounds, medians, ratios.

Every comparison in benchmarks/ is measured the same way (issue 14, §3): each contender is
warmed up (tracing, first-call allocation), then timed `repeats` times (at least 5 for a
reported figure) in alternating rounds — round r runs every contender once, in an order
rotated by r — so a burst of load from another process lands on all contenders rather than
on whichever happened to run during it. The figure kept is the median of the repetitions,
and comparisons are reported as ratios of medians, measured in the same run.

A contender is a callable that does one repetition of the work. It may return the seconds
it measured itself, wrapped as `MeasuredSeconds` (e.g. the steady-state part of a `fit`
call, without its set-up); whatever else it returns is ignored and the wall time of the call
is used.
"""

import datetime
import json
import os
import platform
import statistics
import time
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# CPU features that decide what a bf16 or int8 path can gain (checked in /proc/cpuinfo).
CPU_FLAGS_OF_INTEREST = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile",
                         "amx_bf16", "amx_int8")


class MeasuredSeconds(float):
    """Seconds a contender measured itself (returned instead of its wall time)."""


def median(values):
    """The median of a non-empty sequence of numbers."""
    values = list(values)
    if not values:
        raise ValueError("median of no values")
    return statistics.median(values)


def round_order(names, round_index):
    """The contenders' order in round `round_index`: `names` rotated left by the index."""
    names = list(names)
    if not names:
        return []
    shift = round_index % len(names)
    return names[shift:] + names[:shift]


def _time_once(contender):
    start = time.perf_counter()
    measured = contender()
    elapsed = time.perf_counter() - start
    return float(measured) if isinstance(measured, MeasuredSeconds) else elapsed


def alternate(contenders, repeats=5, warmup=1, clock=None):
    """Seconds of each repetition per contender: {name: [s, ...]} (`repeats` each).

    `contenders` maps names to zero-argument callables (see the module doc). Each is called
    `warmup` times first (untimed, in the given order), then `repeats` rounds run them all in
    rotated order. `clock` replaces the timer (tests): a callable(contender) -> seconds.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    clock = clock or _time_once
    names = list(contenders)
    for _ in range(warmup):
        for name in names:
            contenders[name]()
    seconds = {name: [] for name in names}
    for r in range(repeats):
        for name in round_order(names, r):
            seconds[name].append(clock(contenders[name]))
    return seconds


def summarise(seconds, items=1):
    """Median seconds per repetition, and `items` per second at the median, for one contender."""
    middle = median(seconds)
    return {"median_s": middle, "per_second": items / middle if middle > 0 else float("inf"),
            "repeats": len(seconds), "all_s": [round(s, 6) for s in seconds]}


def ratio(numerator, denominator):
    """numerator / denominator, or None when the denominator is zero or missing."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (platform.processor() where that is absent)."""
    path = Path("/proc/cpuinfo")  # Linux only; elsewhere, what platform knows
    lines = path.read_text().splitlines() if path.is_file() else []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else (platform.processor() or platform.machine())


def cpu_flags():
    """Which of CPU_FLAGS_OF_INTEREST /proc/cpuinfo lists: {flag: bool} (empty if unknown)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {}
    for line in text.splitlines():
        if line.startswith("flags"):
            present = set(line.split(":", 1)[1].split())
            return {flag: flag in present for flag in CPU_FLAGS_OF_INTEREST}
    return {}


def load_average():
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def machine():
    """What a figure depends on: CPU model and flags, cores, load, library versions, date."""
    description = {"cpu": cpu_model(), "cores": os.cpu_count(), "cpu_flags": cpu_flags(),
                   "load_average_1_5_15": load_average(), "python": platform.python_version(),
                   "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                       timespec="seconds")}
    import keras  # both are kerasvision's dependencies: every benchmark has them
    import tensorflow as tf

    description.update(tensorflow=tf.__version__, keras=keras.__version__)
    return description


def machine_line(description):
    flags = ", ".join(f for f, on in description.get("cpu_flags", {}).items() if on) or "?"
    return (f"{description['cpu']}, {description['cores']} cores ({flags}); TensorFlow "
            f"{description.get('tensorflow', '?')}, Keras {description.get('keras', '?')}, "
            f"Python {description['python']}; load average {description['load_average_1_5_15']}"
            f"; {description['date']}")


def write_result(name, payload, directory=None):
    """Write `payload` (machine description added) to `directory`/`name`.json; its path."""
    directory = Path(directory) if directory else RESULTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    text = json.dumps({"machine": machine(), **payload}, indent=2, default=str) + "\n"
    # Atomic: a benchmark rewrites its file after every row, and a cut-off run must leave
    # the last whole version, not half of one. Imported here: kerasvision.io costs 0.2 s and
    # this module (and benchmarks.run) otherwise needs only the standard library.
    from kerasvision.io.atomic_files import atomic_path

    with atomic_path(path, replace=True) as temporary:
        Path(temporary).write_text(text, encoding="utf-8")
    return path


def markdown_table(headers, rows):
    """A Markdown table; floats get 3 significant digits, None prints as '-'."""
    def cell(value):
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
