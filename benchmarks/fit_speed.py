"""Steady-state training and inference time of a Keras model, as contenders for timing.alternate.

Training: one repetition is one `model.fit` call of `steps` batches; a callback reads the
clock at the end of every batch and the repetition's time is from the end of its first batch
to the end of its last, so neither fit's set-up (data adapter, iterator, callbacks) nor the
first step (which may retrace) is counted: the steady-state seconds per step times
(steps - 1). Keras executes a TensorFlow train function synchronously on the CPU, so the
batch-end clock reads finished work.

Inference: one repetition is `calls` calls of `predict_on_batch` (Keras's compiled predict
function, which honours the model's `jit_compile`), timed by the wall clock.
"""

import time

import numpy as np

from benchmarks import timing


def make_batch_clock():
    import keras

    class BatchClock(keras.callbacks.Callback):
        """Records perf_counter() at the end of every training batch."""

        def __init__(self):
            super().__init__()
            self.ends = []

        def on_train_begin(self, logs=None):
            self.ends = []

        def on_train_batch_end(self, batch, logs=None):
            self.ends.append(time.perf_counter())

    return BatchClock()


def steady_seconds(ends):
    """Seconds from the first batch end to the last: the steady-state part of one fit."""
    if len(ends) < 2:
        raise ValueError("need at least 2 batches to time the steady state")
    return ends[-1] - ends[0]


def fit_contender(model, data, steps):
    """A contender doing `fit` over `steps` batches; returns the steady-state seconds of
    steps - 1 batches (timing.MeasuredSeconds). `data` is an (x, y) pair of arrays of one
    batch (repeated), or a tf.data.Dataset yielding batches (repeated by fit through
    steps_per_epoch)."""
    clock = make_batch_clock()
    if isinstance(data, tuple):
        import tensorflow as tf

        # One batch, repeated: the input costs nothing, so the step itself is measured.
        data = tf.data.Dataset.from_tensors(data).repeat()

    def run():
        model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False,
                  callbacks=[clock])
        return timing.MeasuredSeconds(steady_seconds(clock.ends))

    return run


def predict_contender(model, x, calls):
    """A contender doing `calls` predict_on_batch calls on `x` (wall seconds)."""
    def run():
        for _ in range(calls):
            model.predict_on_batch(x)

    return run


def random_images(batch, shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 255, (batch, *shape)).astype(np.float32)


def random_labels(batch, classes, seed=0):
    return np.random.default_rng(seed).integers(0, classes, batch).astype(np.int32)
