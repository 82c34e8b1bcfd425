"""Training survives SIGKILL: re-running the same command resumes from BackupAndRestore's
last state and finishes; checkpoints are never torn; a seed gives identical weights.

Each run is a real `train_classifier` in a fresh process on a tiny generated image folder
(two classes of 28x28 PNGs) with a tiny WRN (width 1, depth 10).
"""

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest
from two_class_folder import write_two_class_folder

EPOCHS = 5
KILL_IN_EPOCH = 2  # 0-based: epochs 0 and 1 are complete and backed up when the kill lands

# The training command. When PAUSE_AT is set (first run only), the process stops in epoch
# KILL_EPOCH, touches PAUSE_AT and waits to be killed, so the kill lands at a known place
# without depending on timing: PAUSE_IN=batch stops after a few batches (mid-epoch),
# PAUSE_IN=save stops inside the end-of-epoch checkpoint write, before its rename, and
# PAUSE_IN=backup stops after every record of the epoch is written but before its backup.
TRAIN_SCRIPT = textwrap.dedent("""
    import json, os, sys, time
    import keras
    from kerasvision.tasks.classifier_training import TrainConfig, train_classifier

    pause_at, kill_epoch = os.environ.get("PAUSE_AT"), int(os.environ.get("KILL_EPOCH", -1))
    pause_in = os.environ.get("PAUSE_IN", "batch")

    def pause():
        open(pause_at, "w").close()
        time.sleep(600)

    class PauseAt(keras.callbacks.Callback):
        epoch = -1

        def on_epoch_begin(self, epoch, logs=None):
            PauseAt.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if pause_in == "batch" and self.epoch == kill_epoch and batch == 2:
                pause()

    if pause_at:  # Model.fit is the one place every callback list goes through
        fit, fsync = keras.Model.fit, os.fsync

        def fit_with_pause(self, *args, callbacks=(), **kwargs):
            return fit(self, *args, callbacks=[PauseAt(), *callbacks], **kwargs)

        def fsync_with_pause(fd):
            name = os.readlink(f"/proc/self/fd/{fd}")
            if pause_in == "save" and PauseAt.epoch == kill_epoch and "partial" in name:
                pause()
            return fsync(fd)

        backup = keras.callbacks.BackupAndRestore.on_epoch_end

        def backup_with_pause(self, epoch, logs=None):
            if pause_in == "backup" and epoch == kill_epoch:
                pause()
            return backup(self, epoch, logs)

        keras.Model.fit, os.fsync = fit_with_pause, fsync_with_pause
        keras.callbacks.BackupAndRestore.on_epoch_end = backup_with_pause

    config = TrainConfig(**json.loads(sys.argv[1]))
    model, summary = train_classifier(config, progress=0)
    weights = {w.path: w.numpy().tolist() for w in model.weights}
    json.dump(weights, open(os.path.join(config.workdir, "weights.json"), "w"))
""")


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    """Two classes (dark, light) of 24 noisy 28x28 grey PNGs each."""
    return write_two_class_folder(tmp_path_factory.mktemp("folder"), 24)


def config_for(data, workdir, **overrides):
    return {"model": "wrn_16_2", "model_kwargs": {"width": 1, "depth": 10}, "data": str(data),
            "epochs": EPOCHS, "batch_size": 4, "learning_rate": 0.05, "warmup_epochs": 1,
            "workdir": str(workdir), **overrides}


def start_training(config, **env):
    return subprocess.Popen(
        [sys.executable, "-c", TRAIN_SCRIPT, json.dumps(config)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore", **env})


def finish(process, timeout=300):
    _, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, stderr[-3000:]


def history_epochs(workdir):
    with open(workdir / "history.csv", newline="") as file:
        return [int(row["epoch"]) for row in csv.DictReader(file)]


def partial_files(workdir):
    return sorted(str(p.relative_to(workdir)) for p in workdir.rglob("*") if "partial" in p.name)


def assert_complete_keras_file(path):
    """A .keras file is a zip; a torn one fails the zip's CRC check or has no config."""
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert {"config.json", "model.weights.h5"} <= set(archive.namelist())


def kill_when_paused(config, marker, pause_in):
    process = start_training(config, PAUSE_AT=str(marker), KILL_EPOCH=str(KILL_IN_EPOCH),
                             PAUSE_IN=pause_in)
    deadline = time.time() + 300
    while not marker.exists():
        assert process.poll() is None, process.communicate()[1][-3000:]
        assert time.time() < deadline, "training never reached the kill point"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("pause_in", ["batch", "save", "backup"])
def test_sigkill_then_rerun_resumes_and_finishes(image_folder, tmp_path, pause_in):
    from kerasvision.tasks.classifier_publishing import read_history
    from kerasvision.tasks.run_records import epochs_done

    workdir = tmp_path / "run"
    config = config_for(image_folder, workdir)
    kill_when_paused(config, tmp_path / "paused", pause_in)

    # What the kill left: complete epochs, a backup, an intact checkpoint, no summary.
    written = KILL_IN_EPOCH + (pause_in == "backup")  # rows in history.csv
    assert history_epochs(workdir) == list(range(written))
    assert (workdir / "backup").is_dir() and any((workdir / "backup").iterdir())
    assert_complete_keras_file(workdir / "last.keras")  # never torn
    assert not (workdir / "summary.json").exists() and not (workdir / "final.keras").exists()
    if pause_in == "save":  # the interrupted write is a hidden temporary, never last.keras
        [leftover] = partial_files(workdir)  # the one atomic writer's hidden temporary name
        assert leftover.startswith(".last.keras.partial-") and leftover.endswith(".keras")
    else:
        assert partial_files(workdir) == []

    second = start_training(config)  # the same command again, nothing else
    finish(second)

    # The re-run starts at the first epoch not backed up (KILL_IN_EPOCH): when the kill
    # came after its row was written, the re-run drops that row and writes it anew, so no
    # epoch appears twice.
    rows = history_epochs(workdir)
    assert rows == list(range(EPOCHS))
    history = read_history(workdir / "history.csv")  # the final record
    assert all(len(values) == EPOCHS for values in history.values())
    assert np.all(np.isfinite(history["loss"]))
    seconds = [int(line.split(",")[0])
               for line in (workdir / "epoch_seconds.csv").read_text().splitlines()]
    assert seconds == list(range(EPOCHS))  # one time per epoch, none twice
    summary = json.loads((workdir / "summary.json").read_text())
    assert summary["class_names"] == ["dark", "light"]
    assert 0.0 <= summary["test_accuracy"] <= 1.0 and np.isfinite(summary["test_loss"])
    for name in ("last.keras", "final.keras"):
        assert_complete_keras_file(workdir / name)
    assert partial_files(workdir) == []
    # The backup outlives the run: it tells a re-run that every epoch is done.
    assert epochs_done(workdir) == EPOCHS


def test_same_seed_and_deterministic_give_identical_weights(image_folder, tmp_path):
    runs = [start_training(config_for(image_folder, tmp_path / name, epochs=2, seed=7,
                                      deterministic=True)) for name in ("a", "b")]
    for run in runs:
        finish(run)
    first, second = (json.loads((tmp_path / name / "weights.json").read_text())
                     for name in ("a", "b"))
    assert first.keys() == second.keys() and len(first) > 20
    for path in first:
        np.testing.assert_array_equal(np.array(first[path]), np.array(second[path]),
                                      err_msg=path)
    # ... and the weights did train: another seed lands elsewhere.
    other = start_training(config_for(image_folder, tmp_path / "c", epochs=2, seed=8,
                                      deterministic=True))
    finish(other)
    third = json.loads((tmp_path / "c" / "weights.json").read_text())
    assert any(not np.array_equal(first[p], third[p]) for p in first)
