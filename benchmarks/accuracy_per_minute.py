"""Accuracy per minute of training: each shipped model's metric against CPU training minutes.

    python -m benchmarks.accuracy_per_minute          # table + benchmarks/results/*.png

For each model folder in saved_models/ (classifier, detector, segmenter):

- the per-epoch history: `history.csv` beside the model if it has one, otherwise the
  training run's own `history.csv` (Keras's CSVLogger) in the workdir its MODEL_CARD.md's
  commands name (the `--workdir` of the publishing command; runs/ is not in git, so this
  exists only on the machine that trained the model);
- the minutes: the history's `budget_minutes_spent` column (machine minutes: process CPU
  time / cores, kerasvision/tasks/time_budget.py) when the run had a time budget, otherwise
  the cumulative wall seconds of the run's `epoch_seconds.csv` (wall minutes, said so);
- the metric per epoch: the first of the validation then training columns the history has
  (`val_accuracy`, `accuracy`, `val_mean_iou`, `mean_iou`, ...); a history with the loss
  only (the detector's: its mAP needs a COCO evaluation, not run per epoch) gives no curve;
- the published anchor: the model card's final figure (metrics.json, which the card is
  written from) at the card's training minutes;
- recorded runs: the records of other training runs of a model's recipe, kept in git under
  benchmarks/results/training_runs/<run>/ (history.csv, epoch_seconds.csv and run.json,
  which names the panel, a label and what the run was scored on), drawn beside the shipped
  model's curve, where the shipped run's own records were lost (runs/ is not in git);
- the issue's target where one was set (the classifier's: 95.5 % in 60 minutes).

No training runs here: the figures are the records of the runs that made the shipped models.
Writes benchmarks/results/accuracy_per_minute.json and .png.
"""

import argparse
import csv
import json
import re
from pathlib import Path

from benchmarks import timing

REPO = Path(__file__).resolve().parent.parent
SAVED = REPO / "saved_models"
RECORDED_RUNS = REPO / "benchmarks" / "results" / "training_runs"
# A multi-column classifier's accuracy is its averaged output's (models/multi_column.py).
METRIC_COLUMNS = ("val_accuracy", "val_column_average_accuracy", "accuracy",
                  "column_average_accuracy", "val_mean_iou", "mean_iou", "val_map50", "map50")
# (value, minutes, label) a panel is measured against: issue 14's accuracy target.
TARGETS = {"fashion_mnist_classifier": (0.955, 60, "target: 95.5 % in 60 min")}
# The classifier's curves start near 0.75; the part that decides the target is above 0.88.
Y_RANGE = {"fashion_mnist_classifier": (0.88, 0.96)}
# The card's headline figure per shipped model: (label, path in metrics.json, minutes key).
ANCHORS = {"fashion_mnist_classifier": ("test accuracy", ("test_accuracy",), "train_minutes"),
           "fashion_scenes_detector": ("test mAP@0.5", ("test", "mAP50"),
                                       "train_machine_minutes"),
           "fashion_scenes_segmenter": ("test mIoU", ("test", "mean_iou"),
                                        "train_machine_minutes")}


def read_csv_columns(path):
    """A CSV with a header -> {column: [float or None]} (Keras writes "NA" for missing)."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = {}
    for row in rows:
        for key, value in row.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = None
            columns.setdefault(key, []).append(number)
    return columns


def card_workdir(card_text):
    """The workdir of the card's publishing command (a line with --output or publish),
    else the last --workdir named; None without one."""
    lines = [line for line in card_text.splitlines() if "--workdir" in line]
    if not lines:
        return None
    publishing = [line for line in lines if "--output" in line or "publish" in line]
    line = (publishing or lines)[-1]
    return re.search(r"--workdir\s+(\S+)", line).group(1)


def find_history(folder):
    """(history.csv path or None, where it was looked for)."""
    beside = folder / "history.csv"
    if beside.is_file():
        return beside, str(beside.relative_to(REPO))
    card = folder / "MODEL_CARD.md"
    workdir = card_workdir(card.read_text()) if card.is_file() else None
    if workdir and (REPO / workdir / "history.csv").is_file():
        return REPO / workdir / "history.csv", f"{workdir}/history.csv"
    return None, f"{beside.relative_to(REPO)}, {workdir or '(no workdir in the card)'}"


def epoch_minutes(history_path, columns):
    """(cumulative minutes per epoch, clock) from the budget column or epoch_seconds.csv."""
    if "budget_minutes_spent" in columns and None not in columns["budget_minutes_spent"]:
        return columns["budget_minutes_spent"], "machine minutes (CPU time / cores)"
    seconds_file = history_path.parent / "epoch_seconds.csv"
    if seconds_file.is_file():
        seconds = [float(row[1]) for row in csv.reader(seconds_file.open()) if len(row) > 1]
        total, minutes = 0.0, []
        for s in seconds:
            total += s
            minutes.append(total / 60)
        return minutes, "wall minutes"
    return None, None


def curve(history_path):
    """{"metric", "minutes", "values", "clock"} of one run's history; metric None if absent."""
    columns = read_csv_columns(history_path)
    metric = next((c for c in METRIC_COLUMNS
                   if c in columns and any(v is not None for v in columns[c])), None)
    minutes, clock = epoch_minutes(history_path, columns)
    if metric is None or minutes is None:
        return {"metric": metric, "minutes": None, "values": None, "clock": clock,
                "columns": sorted(columns)}
    points = [(m, v) for m, v in zip(minutes, columns[metric]) if v is not None]
    if not metric.startswith("val_"):
        metric += " (training batches)"
    return {"metric": metric, "minutes": [round(m, 3) for m, _ in points],
            "values": [v for _, v in points], "clock": clock}


def recorded_runs(name):
    """[{"run", "label", "scored_on", "curve"}] of the recorded runs drawn on `name`'s panel."""
    runs = []
    for record in sorted(RECORDED_RUNS.glob("*/run.json")):
        facts = json.loads(record.read_text())
        if facts.get("panel") == name:
            runs.append({"run": record.parent.name, "label": facts["label"],
                         "scored_on": facts["scored_on"],
                         "curve": curve(record.parent / "history.csv")})
    return runs


def anchor(name, folder):
    label, keys, minutes_key = ANCHORS[name]
    metrics = json.loads((folder / "metrics.json").read_text())
    value = metrics
    for key in keys:
        value = value[key]
    return {"label": label, "value": value, "minutes": metrics.get(minutes_key),
            "minutes_kind": "machine minutes" if "machine" in minutes_key else "wall minutes"}


def plot(models, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(models), figsize=(5.5 * len(models), 4.4))
    axes = [axes] if len(models) == 1 else list(axes)
    for axis, (name, record) in zip(axes, models.items()):
        run = record["curve"]
        if run and run.get("values"):
            axis.plot(run["minutes"], run["values"], marker=".", label=f"{run['metric']} "
                      f"(per epoch)")
        for other in record.get("recorded_runs", []):
            if other["curve"].get("values"):
                axis.plot(other["curve"]["minutes"], other["curve"]["values"], marker=".",
                          linewidth=1, label=f"{other['label']} ({other['scored_on']})")
        if name in TARGETS:
            value, minutes, label = TARGETS[name]
            axis.axhline(value, color="grey", linestyle="--", linewidth=1)
            axis.axvline(minutes, color="grey", linestyle="--", linewidth=1, label=label)
        point = record["anchor"]
        if point["minutes"] is not None:
            axis.plot([point["minutes"]], [point["value"]], "r*", markersize=12,
                      label=f"card: {point['label']} {point['value']:.3f}")
        axis.set_title(name, fontsize=10)
        axis.set_xlabel((run or {}).get("clock") or point["minutes_kind"])
        axis.set_xlim(left=0)
        axis.grid(alpha=0.3)
        if name in Y_RANGE:
            axis.set_ylim(*Y_RANGE[name])
        axis.legend(fontsize=6 if record.get("recorded_runs") else 7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results-dir", default=None)
    args = parser.parse_args(argv)
    models = {}
    for name in ANCHORS:
        folder = SAVED / name
        if not (folder / "metrics.json").is_file():
            continue
        history, looked = find_history(folder)
        models[name] = {"history": looked if history is None else str(history.relative_to(REPO)),
                        "history_found": history is not None,
                        "curve": curve(history) if history else None,
                        "anchor": anchor(name, folder), "recorded_runs": recorded_runs(name)}
    directory = Path(args.results_dir) if args.results_dir else timing.RESULTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    picture = directory / "accuracy_per_minute.png"
    plot(models, picture)
    path = timing.write_result("accuracy_per_minute", {"models": models,
                                                       "picture": str(picture)}, directory)
    rows = []
    for name, record in models.items():
        run, point = record["curve"] or {}, record["anchor"]
        values = run.get("values") or []
        halfway = len(values) // 2
        rows.append((name, run.get("metric") or "no per-epoch metric",
                     f"{values[halfway]:.3f} at {run['minutes'][halfway]:.1f} min"
                     if values else "-",
                     f"{values[-1]:.3f} at {run['minutes'][-1]:.1f} min" if values else "-",
                     run.get("clock") or "-",
                     f"{point['label']} {point['value']:.4f} at {point['minutes']} "
                     f"{point['minutes_kind']}",
                     record["history"] if record["history_found"]
                     else f"not found ({record['history']})"))
        for other in record["recorded_runs"]:
            values, minutes = other["curve"].get("values") or [], other["curve"]["minutes"]
            rows.append((f"{name}: {other['label']}", f"{other['curve']['metric']} "
                         f"({other['scored_on']})",
                         f"{values[len(values) // 2]:.3f} at {minutes[len(values) // 2]:.1f} min"
                         if values else "-",
                         f"{values[-1]:.3f} at {minutes[-1]:.1f} min" if values else "-",
                         other["curve"].get("clock") or "-", "-",
                         f"benchmarks/results/training_runs/{other['run']}"))
    print(timing.markdown_table(["model", "metric", "halfway", "last epoch", "minutes",
                                 "card's figure", "history"], rows))
    print(f"\npicture: {picture}\nwritten: {path}")


if __name__ == "__main__":
    main()
