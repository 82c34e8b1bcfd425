"""tf.data options every training and evaluation pipeline of kerasvision carries.

`model.fit` makes a new iterator over a finite dataset each epoch and destroys the old one.
With tf.data's autotuning on (its default), destroying an iterator waits for the autotuning
model's background thread, which sleeps for its optimisation period between rounds; the
period grows through a run. Measured on the 2-core machine (Fashion-MNIST recipe, 468
batches an epoch): 4 s a teardown in a short probe, and stalls of 0-60 s with both cores idle
at the epoch boundaries of a training run, whose first 14 epochs took 26.0 minutes against
17.6 without them (a third of its time).
With autotuning off the teardown takes under 10 ms and the augmentation pipeline ran as
fast (AUTOTUNE parallelism becomes the core count, prefetch buffers still adapt).
"""


def without_autotuning(dataset):
    """`dataset` with tf.data's autotuning model off (see the module docstring)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)
