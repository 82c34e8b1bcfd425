"""The accuracy-per-minute benchmark reads the recorded runs kept in git
(benchmarks/results/training_runs/): every one is drawn on its panel with a metric per epoch
against increasing minutes."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import accuracy_per_minute  # noqa: E402


def test_recorded_runs_give_curves_on_their_panels():
    classifier = accuracy_per_minute.recorded_runs("fashion_mnist_classifier")
    assert {run["run"] for run in classifier} >= {"fashion_mnist_v5", "val_c2_96_e6",
                                                  "val_w2_e10"}
    for run in classifier + accuracy_per_minute.recorded_runs("fashion_scenes_segmenter"):
        curve = run["curve"]
        assert curve["metric"] and len(curve["values"]) == len(curve["minutes"]) > 1
        assert curve["minutes"] == sorted(curve["minutes"]), run["run"]
        assert all(0.0 < value < 1.0 for value in curve["values"])
    by_run = {run["run"]: run["curve"] for run in classifier}
    # A multi-column run is read from its averaged output; the sixth session's 26-epoch run
    # ended at 55.1 minutes (benchmarks/RESULTS.md).
    assert by_run["val_c2_96_e6"]["metric"] == "val_column_average_accuracy"
    assert round(by_run["fashion_mnist_v5"]["minutes"][-1], 1) == 55.1
    assert accuracy_per_minute.recorded_runs("no_such_panel") == []
