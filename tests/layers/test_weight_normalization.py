import numpy as np
import pytest

import keras
import tensorflow as tf

from kerasvision.layers.weight_normalization import WeightNormalization


def _wrapped(units=3, dim=4):
    layer = WeightNormalization(keras.layers.Dense(units, activation="tanh"))
    layer.build((None, dim))
    return layer


def test_starts_as_the_wrapped_layer_and_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 4)).astype("float32")
    layer = _wrapped()
    v, b = layer.layer.get_weights()
    np.testing.assert_allclose(np.asarray(layer(x)), np.tanh(x @ v + b), rtol=1e-5, atol=1e-6)
    g = rng.uniform(0.5, 2.0, size=3).astype("float32")
    layer.g.assign(g)
    w = g * v / np.linalg.norm(v, axis=0)
    np.testing.assert_allclose(np.asarray(layer(x)), np.tanh(x @ w + b), rtol=1e-5, atol=1e-6)


def test_output_ignores_the_scale_of_v():
    x = np.random.default_rng(1).normal(size=(6, 4)).astype("float32")
    layer = _wrapped()
    before = np.asarray(layer(x))
    layer.layer.kernel.assign(layer.layer.kernel * 7.0)
    np.testing.assert_allclose(np.asarray(layer(x)), before, rtol=1e-5, atol=1e-6)


def test_gradients_reach_g_and_v_and_config_round_trips():
    x = np.random.default_rng(2).normal(size=(6, 4)).astype("float32")
    layer = _wrapped()
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2)
    grads = tape.gradient(loss, layer.trainable_weights)
    assert len(grads) == 3 and all(g is not None for g in grads)
    clone = WeightNormalization.from_config(layer.get_config())
    clone.build((None, 4))
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(layer(x)), rtol=1e-6)


def test_rejects_non_dense_layers():
    with pytest.raises(ValueError):
        WeightNormalization(keras.layers.Conv2D(2, 3))
