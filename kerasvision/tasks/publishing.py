"""Turn a finished training run into a shipped model folder, whatever the task.

    OUTPUT/model.keras        the task (model + metadata), for the CLI and inspection
    OUTPUT/VERSION/           the TF Serving export (signatures, labels, warmup records)
    OUTPUT/training_curve.png loss and metrics per epoch
    OUTPUT/history.csv,       the run's own records (Keras's CSVLogger rows and each epoch's
      epoch_seconds.csv       wall seconds): runs/ is not in git, and the accuracy-per-minute
                              benchmark reads these from a clone
    OUTPUT/metrics.json       the evaluation report's figures
    OUTPUT/MODEL_CARD.md      written from the facts of the run (tasks/model_card.py)

Each file is written atomically; the version directory is never overwritten.
"""

import csv
import json
from pathlib import Path


def read_history(csv_path):
    """history.csv (CSVLogger; a resumed run appends) -> dict of lists, one row per epoch."""
    with open(csv_path) as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("epoch", "").isdigit()]
    by_epoch = {int(r["epoch"]): r for r in rows}  # a resumed epoch replaces its partial twin
    keys = [k for k in rows[0] if k != "epoch"] if rows else []
    return {k: [_number(by_epoch[e][k]) for e in sorted(by_epoch)] for k in keys}


def _number(text):
    # CSVLogger writes "NA" for a key an epoch did not log (e.g. one added on resume).
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def write_text_atomically(path, text):
    from kerasvision.io.atomic_files import atomic_path

    with atomic_path(path, replace=True) as partial:
        Path(partial).write_text(text)


def publish(task, output, workdir, metrics, card, export_options=None):
    """Write the shipped-model folder for `task`; returns `metrics` with the version added.

    Args:
        task: the trained application (a `Task`).
        output: the folder (created if missing).
        workdir: the training run's folder: its history.csv is drawn as the training curve,
            and its per-epoch records are copied beside the model.
        metrics: JSON-able figures measured on the evaluation data.
        card: a `ModelCard` (tasks/model_card.py), rendered to MODEL_CARD.md.
        export_options: keyword arguments of `task.export` (e.g. `top_k`).
    """
    from kerasvision.inspect import plot_history
    from kerasvision.tasks.run_records import copy_epoch_records

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    task.save(output / "model.keras")
    plot_history(read_history(Path(workdir) / "history.csv"), output / "training_curve.png")
    version_dir = task.export(output, **(export_options or {}))
    metrics = {**metrics, "version_dir": version_dir.name}
    write_text_atomically(output / "metrics.json", json.dumps(metrics, indent=2))
    write_text_atomically(output / "MODEL_CARD.md", card.render())
    copy_epoch_records(workdir, output)
    return metrics
