"""Every training pipeline runs with tf.data's autotuning off (data/pipeline_options.py):
with it on, destroying the iterator at each epoch's end waited up to a minute."""

import numpy as np


def test_without_autotuning_turns_the_model_off_and_keeps_the_elements():
    import tensorflow as tf

    from kerasvision.data.pipeline_options import without_autotuning

    data = (tf.data.Dataset.range(10).map(lambda i: i * 2, num_parallel_calls=tf.data.AUTOTUNE)
            .batch(4).prefetch(tf.data.AUTOTUNE))
    assert data.options().autotune.enabled is not False  # TF's default: on
    steady = without_autotuning(data)
    assert steady.options().autotune.enabled is False
    assert [b.tolist() for b in steady.as_numpy_iterator()] == [[0, 2, 4, 6], [8, 10, 12, 14],
                                                                 [16, 18]]


def test_classifier_training_pipelines_run_without_autotuning():
    from kerasvision.tasks.classifier_training import config_for, make_datasets

    x = np.arange(20 * 28 * 28, dtype=np.uint32).reshape(20, 28, 28, 1).astype(np.uint8)
    y = np.arange(20, dtype=np.int32) % 10
    train, test = make_datasets(x, y, x, y, 10, config_for("wrn_16_2", batch_size=8))
    assert train.options().autotune.enabled is False
    assert test.options().autotune.enabled is False
    # Two passes, as fit makes them: each yields the two whole batches of 8.
    for _ in range(2):
        assert [len(images) for images, _ in train] == [8, 8]
    assert [len(images) for images, _ in test] == [20]
