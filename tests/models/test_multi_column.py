"""Multi-column networks (models/multi_column.py, layers/column_average.py): columns laid out
flat with their own names and weights, the average of their probabilities, and no gradient
from the average's loss (Ciresan et al., CVPR 2012: columns trained independently)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasvision.layers.column_average import ColumnAverage
from kerasvision.models.multi_column import AVERAGE_NAME, multi_column_outputs
from kerasvision.registry import build
from kerasvision.tasks.pixel_model import pixel_classifier

TINY_WRN = {"depth": 10, "width": 1}


@pytest.fixture(scope="module")
def two_columns():
    keras.utils.set_random_seed(0)
    return pixel_classifier("wrn_16_2", (16, 16, 1), 4, mean=0.5, std=0.25, columns=2,
                            **TINY_WRN)


@pytest.fixture(scope="module")
def pixels():
    return np.random.default_rng(0).uniform(0, 255, (6, 16, 16, 1)).astype(np.float32)


def test_columns_are_flat_prefixed_copies_with_their_own_weights(two_columns):
    one = build("wrn_16_2", input_shape=(16, 16, 1), classes=4, **TINY_WRN)
    assert two_columns.count_params() == 2 * one.count_params()
    names = [layer.name for layer in two_columns.layers]
    assert len(names) == len(set(names))
    assert not any(isinstance(layer, keras.Model) for layer in two_columns.layers)
    for index in (1, 2):
        assert {f"column{index}_{layer.name}" for layer in one.layers[1:]} <= set(names)
    assert two_columns.output_names == ["column1_predictions", "column2_predictions",
                                        AVERAGE_NAME]
    assert two_columns.name == "wrn_10_1_x2"
    first = two_columns.get_layer("column1_stem_conv").get_weights()[0]
    second = two_columns.get_layer("column2_stem_conv").get_weights()[0]
    assert first.shape == second.shape and not np.allclose(first, second)


def test_the_average_is_the_mean_of_the_columns(two_columns, pixels):
    first, second, average = (np.asarray(p) for p in two_columns(pixels, training=False))
    assert not np.allclose(first, second, atol=1e-3)
    np.testing.assert_allclose(average, (first + second) / 2, atol=1e-6)
    np.testing.assert_allclose(average.sum(axis=-1), 1.0, atol=1e-5)


def test_only_the_columns_own_losses_train_them(two_columns, pixels):
    targets = tf.one_hot([0, 1, 2, 3, 0, 1], 4)
    loss = keras.losses.CategoricalCrossentropy()
    weights = two_columns.trainable_weights
    with tf.GradientTape(persistent=True) as tape:
        first, second, average = two_columns(pixels, training=True)
        from_average, from_first = loss(targets, average), loss(targets, first)
    assert all(g is None or not np.any(g) for g in tape.gradient(from_average, weights))
    # The first column's loss reaches its own weights and none of the second's.
    for weight, grad in zip(weights, tape.gradient(from_first, weights)):
        moved = grad is not None and np.any(np.asarray(grad))
        if weight.path.startswith("column2_"):
            assert not moved, weight.path
    stem = two_columns.get_layer("column1_stem_conv").kernel
    assert np.any(np.asarray(tape.gradient(from_first, stem)))


def test_column_average_round_trips_and_needs_two_columns(two_columns, pixels, tmp_path):
    path = tmp_path / "two_columns.keras"
    two_columns.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.get_layer(AVERAGE_NAME), ColumnAverage)
    np.testing.assert_allclose(loaded(pixels)[-1], two_columns(pixels)[-1], atol=1e-6)
    with pytest.raises(ValueError, match="at least 2 columns"):
        multi_column_outputs(None, keras.Input((4,)), 1)
