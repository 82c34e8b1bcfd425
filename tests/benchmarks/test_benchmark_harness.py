"""The benchmark harness's own logic (benchmarks/timing.py, benchmarks/run.py): no benchmark
runs here, only the bookkeeping that makes side-by-side figures trustworthy."""

import json
import sys
from pathlib import Path

import pytest

# benchmarks/ is a folder of scripts at the repository root, not part of the installed
# package: put the root first on the path (`pytest` alone does not), so that `benchmarks`
# is that folder rather than only this test folder of the same name.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import run, timing  # noqa: E402


def test_median_of_odd_and_even_counts():
    assert timing.median([3.0, 1.0, 2.0]) == 2.0
    assert timing.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    with pytest.raises(ValueError):
        timing.median([])


def test_rounds_rotate_the_order():
    names = ["a", "b", "c"]
    assert [timing.round_order(names, r) for r in range(4)] == [
        ["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]]


def test_alternate_warms_up_then_interleaves_contenders():
    calls = []
    contenders = {name: (lambda n=name: calls.append(n)) for name in ("x", "y")}
    fake_seconds = iter([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])

    def clock(contender):
        contender()
        return next(fake_seconds)

    seconds = timing.alternate(contenders, repeats=3, warmup=1, clock=clock)
    # Warm-up x, y; then rounds x y | y x | x y: no contender runs twice in a row
    # within the timed part except across a round boundary of the rotation.
    assert calls == ["x", "y", "x", "y", "y", "x", "x", "y"]
    assert seconds == {"x": [1.0, 4.0, 5.0], "y": [2.0, 3.0, 6.0]}


def test_self_measured_seconds_replace_wall_time_but_other_returns_do_not():
    measured = timing.alternate({"m": lambda: timing.MeasuredSeconds(0.25)}, repeats=5,
                                warmup=0)
    assert measured["m"] == [0.25] * 5
    plain = timing.alternate({"p": lambda: 1234.0}, repeats=2, warmup=0)
    assert all(s < 1.0 for s in plain["p"])  # a returned value is not taken as seconds


def test_summary_and_ratio():
    summary = timing.summarise([2.0, 1.0, 4.0], items=10)
    assert summary["median_s"] == 2.0 and summary["per_second"] == 5.0
    assert summary["repeats"] == 3
    assert timing.ratio(3.0, 2.0) == 1.5
    assert timing.ratio(3.0, 0) is None and timing.ratio(None, 2.0) is None


def test_write_result_adds_the_machine(tmp_path):
    path = timing.write_result("demo", {"rows": [1]}, tmp_path)
    written = json.loads(path.read_text())
    assert written["rows"] == [1]
    assert written["machine"]["cores"] >= 1 and written["machine"]["cpu"]


def test_markdown_table_formats_cells():
    table = timing.markdown_table(["a", "b"], [(1.23456, None), ("x", 12345.6)])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1.23 | - |", "| x | 12,346 |"]


def test_run_plans_every_benchmark_in_order():
    commands = run.plan(run.parser().parse_args(["--results-dir", "/r"]))
    assert [name for name, _ in commands] == list(run.BENCHMARKS)
    for name, command in commands:
        assert command[:3] == [sys.executable, "-m", f"benchmarks.{name}"]
        assert command[-2:] == ["--results-dir", "/r"]


def test_run_quick_and_only_select_arguments():
    args = run.parser().parse_args(["--quick", "--only", "builders_vs_keras_applications",
                                    "cli_speed"])
    commands = dict(run.plan(args))
    assert list(commands) == ["cli_speed", "builders_vs_keras_applications"]  # run order
    builders = commands["builders_vs_keras_applications"]
    assert builders[builders.index("--models") + 1] == "resnet50"
    assert builders[builders.index("--batches") + 1] == "8"
    assert "200" in commands["cli_speed"]


def test_run_refuses_unknown_names(capsys):
    with pytest.raises(SystemExit):
        run.parser().parse_args(["--only", "no_such_benchmark"])


def test_dry_run_prints_commands_and_runs_nothing(capsys, tmp_path):
    assert run.main(["--dry-run", "--only", "serving_speed", "--results-dir",
                     str(tmp_path)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "benchmarks.serving_speed" in out[0]
    assert not any(tmp_path.iterdir())


def test_tables_in_keeps_output_from_the_first_table():
    output = "noise\nmore noise\nmachine line\n\n| a |\n|---|\n| 1 |\nwritten: x"
    assert run.tables_in(output) == "machine line\n\n| a |\n|---|\n| 1 |\nwritten: x"
