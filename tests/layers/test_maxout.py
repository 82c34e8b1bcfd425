import numpy as np

import keras

from kerasvision.layers.maxout import Maxout


def test_matches_numpy_max_over_pieces():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4)).astype("float32")
    layer = Maxout(3, pieces=4)
    y = np.asarray(layer(x))
    w, b = layer.get_weights()  # (4, pieces, units), (pieces, units)
    want = np.empty((5, 3), "float32")
    for n in range(5):
        for j in range(3):
            want[n, j] = max(x[n] @ w[:, k, j] + b[k, j] for k in range(4))
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 4)) == (None, 3)


def test_two_pieces_one_fixed_at_zero_is_exactly_relu():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 7)).astype("float32")
    w1 = rng.normal(size=(7, 5)).astype("float32")
    b1 = rng.normal(size=(5,)).astype("float32")
    layer = Maxout(5, pieces=2)
    layer.build((None, 7))
    kernel = np.zeros((7, 2, 5), "float32")
    kernel[:, 0, :] = w1
    bias = np.zeros((2, 5), "float32")
    bias[0] = b1
    layer.set_weights([kernel, bias])
    dense = keras.layers.Dense(5, activation="relu")
    dense.build((None, 7))
    dense.set_weights([w1, b1])
    np.testing.assert_array_equal(np.asarray(layer(x)), np.asarray(dense(x)))
    assert np.any(np.asarray(layer(x)) == 0) and np.any(np.asarray(layer(x)) > 0)


def test_config_round_trip():
    layer = Maxout(6, pieces=3, kernel_regularizer="l2", name="mx")
    clone = Maxout.from_config(layer.get_config())
    assert (clone.units, clone.pieces, clone.name) == (6, 3, "mx")
    assert clone.kernel_regularizer is not None
