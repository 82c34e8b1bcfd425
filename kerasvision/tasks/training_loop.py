"""The resumable `model.fit` every application trains with, whatever its task.

What a long CPU run needs: an atomic checkpoint of the whole model each epoch, a CSV history,
TensorBoard logs, the wall time of each epoch, and keras' BackupAndRestore, so that re-running
the same command after a kill (even `kill -9`) resumes from the last finished epoch. The backup
is kept when training ends, so that re-running a finished run trains nothing, and a larger
`epochs` continues from the last epoch; `run_records.clear_run` starts over. Under
MultiWorkerMirroredStrategy only the chief writes the run's files; the other workers write
theirs in `workdir/workers/N`, as Keras's multi-worker guide asks (they must write somewhere,
and not over the chief).
"""

import json
import os
import sys
import time
from pathlib import Path

import keras

from kerasvision.tasks.run_records import epochs_done, keep_records_before, recorded_minutes


def distribution_strategy(kind):
    """tf.distribute strategy by name: default, mirrored (all local devices), multiworker."""
    import tensorflow as tf

    if kind == "default":
        return tf.distribute.get_strategy()
    if kind == "mirrored":
        # Without GPUs MirroredStrategy() would take one CPU; mirror over every logical CPU
        # device instead (tf.config.set_logical_device_configuration splits the CPU).
        gpus = tf.config.list_logical_devices("GPU")
        devices = gpus or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if kind == "multiworker":
        return _reduce_structures_one_by_one(tf.distribute.MultiWorkerMirroredStrategy())
    raise ValueError(f"unknown strategy {kind!r}; use default, mirrored or multiworker")


def _reduce_structures_one_by_one(strategy):
    """Make `strategy.reduce` accept a nested structure, as Keras 3's `fit` needs.

    Keras 3 builds the model by `strategy.reduce("MEAN", (x, y), axis=None)` over the first
    distributed batch; MultiWorkerMirroredStrategy's cross-device reduce takes one value, not a
    tuple, so `fit` fails with "Attempt to convert a value (PerReplica...)" (keras-team/keras
    #20585, open). Reducing each tensor of the structure in turn is what the call means; every
    worker makes the same calls in the same order, so the collectives pair up. The same issue:
    Keras reduces each step's scalar logs with `axis=0`, which a scalar has not; for scalars
    the cross-replica mean is the reduction without an axis.
    """
    import tensorflow as tf

    reduce_one = strategy.reduce

    def reduce_tensor(reduce_op, value, axis):
        local = strategy.experimental_local_results(value)[0]
        scalar = getattr(local, "shape", None) is not None and local.shape.rank == 0
        return reduce_one(reduce_op, value, None if scalar else axis)

    def reduce(reduce_op, value, axis=None):
        return tf.nest.map_structure(lambda v: reduce_tensor(reduce_op, v, axis), value)

    strategy.reduce = reduce
    return strategy


def worker_index():
    """This process's index among TF_CONFIG's workers (0, the chief, without TF_CONFIG)."""
    config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    task = config.get("task", {})
    return int(task.get("index", 0)) if task.get("type", "worker") in ("worker", "chief") else 0


def run_directory(workdir):
    """Where this process writes: `workdir` for the chief, `workdir/workers/N` otherwise."""
    index = worker_index()
    return Path(workdir) if index == 0 else Path(workdir) / "workers" / str(index)


class EpochTimer(keras.callbacks.Callback):
    """Appends each epoch's wall time to a CSV file, so resumed runs add up."""

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)
        self.start = None

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        with open(self.path, "a") as fh:
            fh.write(f"{epoch},{time.time() - self.start:.1f}\n")

    def total_minutes(self):
        return recorded_minutes(self.path.parent)


class AtomicModelCheckpoint(keras.callbacks.Callback):
    """Save the whole model to `path` at the end of every epoch, never leaving a torn file.

    keras.callbacks.ModelCheckpoint writes the target in place, so a kill mid-write leaves a
    half-written `.keras`; this one writes beside it and renames (tasks/task.py). With
    `metadata` (`Task.metadata()`), the file loads as the task, class names included.
    """

    def __init__(self, path, metadata=None):
        super().__init__()
        self.path = Path(path)
        self.metadata = metadata  # the task's metadata (class names...), as final.keras has

    def on_epoch_end(self, epoch, logs=None):
        from kerasvision.tasks.task import save_model_atomically

        save_model_atomically(self.model, self.path, self.metadata)


class AverageStatisticsAcrossReplicas(keras.callbacks.Callback):
    """At each epoch's end, set every non-trainable float weight to its mean over all replicas.

    Under a multi-replica strategy the trainable weights stay identical (their gradients are
    all-reduced), but Keras updates BatchNormalization's moving mean and variance from each
    replica's own batches, so each worker ends with its own statistics and the chief's file
    would describe a quarter of the data. Averaging them, as Keras's own guidance for
    `synchronized=False` statistics suggests, gives every worker the same, whole-data model.
    Every worker runs this at the same point, so the collectives pair up.
    """

    def on_epoch_end(self, epoch, logs=None):
        strategy = self.model.distribute_strategy
        if strategy.num_replicas_in_sync < 2:
            return
        for variable in self.model.non_trainable_variables:
            if not variable.dtype.startswith("float"):
                continue  # counters (e.g. a seed generator's state) are not statistics
            tf_variable = variable.value
            local = strategy.run(lambda v=tf_variable: v.read_value())
            variable.assign(strategy.reduce("MEAN", local, axis=None))


def remove_partial_files(directory):
    """Delete what a kill left mid-write (hidden `.NAME.partial-*` files; never read)."""
    from kerasvision.io.atomic_files import PARTIAL_MARKER

    for leftover in Path(directory).glob(f".*{PARTIAL_MARKER}*"):
        if leftover.is_file():
            leftover.unlink()


def resumable_fit(model, train, epochs, workdir, validation=None, progress=1, callbacks=(),
                  checkpoint_metadata=None, **fit_kwargs):
    """`model.fit` that resumes after a kill; returns (history, minutes of all runs so far).

    Training starts at `epochs_done(workdir)`: after a kill, the last backed-up epoch; after a
    finished run, its last epoch (nothing is trained unless `epochs` grew). `progress`: 0
    silent, 1 a bar on stderr that moves within each epoch, 2 one line per epoch on stderr.
    `checkpoint_metadata` is stored in `last.keras` (a task's metadata). `fit_kwargs` go to
    `model.fit` (e.g. `steps_per_epoch` for a repeated dataset). Writes `last.keras`,
    `history.csv`, `epoch_seconds.csv`, `logs/` (TensorBoard) and `backup/` under `workdir`
    (see `run_directory` for multi-worker runs).
    """
    from kerasvision.tasks.training_progress import TrainingProgress

    directory = run_directory(workdir)
    directory.mkdir(parents=True, exist_ok=True)
    remove_partial_files(directory)
    keep_records_before(directory, epochs_done(directory))
    timer = EpochTimer(directory / "epoch_seconds.csv")
    shown = [TrainingProgress(epochs, per_step=progress == 1)] if progress else []
    # BackupAndRestore last: an epoch counts as done only once its records are written, so
    # a kill in between re-runs the epoch (keep_records_before drops its rows first) and
    # never leaves an epoch missing from history.csv. Its backup outlives the run
    # (delete_checkpoint=False): it is what tells a re-run that the epochs are done.
    all_callbacks = [
        *callbacks,
        *shown,
        AverageStatisticsAcrossReplicas(),
        timer,
        AtomicModelCheckpoint(directory / "last.keras", checkpoint_metadata),
        keras.callbacks.CSVLogger(str(directory / "history.csv"), append=True),
        keras.callbacks.TensorBoard(str(directory / "logs"), write_graph=False),
        keras.callbacks.BackupAndRestore(str(directory / "backup"), double_checkpoint=True,
                                         delete_checkpoint=False),
    ]
    # The datasets shuffle themselves; fit's default shuffle=True only earns a warning.
    fit_kwargs.setdefault("shuffle", False)
    sys.stderr.flush()
    history = model.fit(train, epochs=epochs, validation_data=validation,
                        callbacks=all_callbacks, verbose=0, **fit_kwargs)
    return history, timer.total_minutes()
