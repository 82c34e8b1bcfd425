"""What a training run keeps in its work directory, read and pruned without TensorFlow.

`resumable_fit` (tasks/training_loop.py) writes `history.csv` (Keras's CSVLogger, one row per
epoch), `epoch_seconds.csv` (each epoch's wall time) and `backup/` (Keras's BackupAndRestore,
whose `training_metadata.json` says how many epochs are done). These helpers let the CLI tell
a finished run from a new one before it loads TensorFlow, and start over.
"""

import json
import shutil
from pathlib import Path


# The per-epoch records, one row an epoch: (name, whether its first line is a header).
EPOCH_RECORDS = (("history.csv", True), ("epoch_seconds.csv", False))

# What a run writes in its work directory (clear_run removes exactly these).
RUN_FILES = ("backup", "logs", "workers", "last.keras", "final.keras",
             *(name for name, _ in EPOCH_RECORDS), "summary.json", "config.json", "budget.json")


def epochs_done(workdir):
    """Epochs whose training state `workdir` keeps (BackupAndRestore's record); 0 if none."""
    path = Path(workdir) / "backup" / "training_metadata.json"
    try:
        return int(json.loads(path.read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def read_history_epochs(workdir):
    """How many distinct epochs history.csv records (0 without one)."""
    from kerasvision.tasks.publishing import read_history

    path = Path(workdir) / "history.csv"
    return len(read_history(path).get("loss", [])) if path.is_file() else 0


def clear_run(workdir):
    """Remove a run's files from `workdir` (and nothing else there), to start over."""
    for name in RUN_FILES:
        path = Path(workdir) / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def keep_records_before(directory, epoch):
    """Drop the rows of epochs >= `epoch` from history.csv and epoch_seconds.csv.

    They belong to an epoch whose training state was not backed up (a kill between the
    records and the backup): the resumed run trains it again and writes its rows anew, so
    the history never holds two rows of one epoch.
    """
    for name, header in EPOCH_RECORDS:
        path = Path(directory) / name
        if not path.is_file():
            continue
        lines = path.read_text().splitlines(keepends=True)
        head, rows = (lines[:1], lines[1:]) if header else ([], lines)
        kept = [r for r in rows if r.split(",", 1)[0].isdigit() and int(r.split(",", 1)[0]) < epoch]
        if len(kept) != len(rows):
            from kerasvision.tasks.publishing import write_text_atomically

            write_text_atomically(path, "".join(head + kept))


def recorded_minutes(workdir, first_epoch=0):
    """Training minutes of the epochs from `first_epoch` on, from `epoch_seconds.csv`."""
    path = Path(workdir) / "epoch_seconds.csv"
    if not path.is_file():
        return 0.0
    per_epoch = {}
    for line in path.read_text().splitlines():
        epoch, seconds = line.split(",")
        per_epoch[int(epoch)] = float(seconds)  # a re-run epoch replaces the killed one
    return round(sum(s for e, s in per_epoch.items() if e >= first_epoch) / 60, 2)


def copy_epoch_records(workdir, output):
    """Copy `workdir`'s per-epoch records (those it has) into `output`: a shipped model keeps
    them, since runs/ is not in git (the accuracy-per-minute benchmark reads them there)."""
    from kerasvision.tasks.publishing import write_text_atomically

    for name, _ in EPOCH_RECORDS:
        source = Path(workdir) / name
        if source.is_file():
            write_text_atomically(Path(output) / name, source.read_text())
