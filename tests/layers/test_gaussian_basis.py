import numpy as np

import keras
import tensorflow as tf

from kerasvision.layers.gaussian_basis import GaussianBasis


def test_matches_numpy_and_learns_centres_and_widths():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 3)).astype("float32")
    layer = GaussianBasis(5, width=0.7)
    layer.build((None, 3))
    c = rng.normal(size=(5, 3)).astype("float32")
    sigma = rng.uniform(0.5, 2.0, size=5).astype("float32")
    layer.set_weights([c, np.log(sigma)])
    want = np.exp(-((x[:, None, :] - c[None]) ** 2).sum(-1) / (2 * sigma ** 2))
    np.testing.assert_allclose(np.asarray(layer(x)), want, rtol=1e-4, atol=1e-6)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x))
    assert all(g is not None for g in tape.gradient(loss, layer.trainable_weights))
    assert len(layer.trainable_weights) == 2


def test_initial_width_and_config():
    layer = GaussianBasis(4, width=0.7, centers_initializer="zeros")
    layer.build((None, 2))
    np.testing.assert_allclose(np.exp(layer.get_weights()[1]), 0.7, rtol=1e-6)
    clone = GaussianBasis.from_config(layer.get_config())
    assert clone.units == 4 and clone.width == 0.7
    assert layer.compute_output_shape((None, 2)) == (None, 4)
    assert isinstance(clone.centers_initializer, keras.initializers.Zeros)
