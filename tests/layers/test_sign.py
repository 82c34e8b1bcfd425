import numpy as np

from kerasvision.layers.sign import Sign


def test_sign_of_zero_is_plus_one():
    x = np.array([[-2.0, -1e-7, 0.0, 1e-7, 3.0]], "float32")
    np.testing.assert_array_equal(np.asarray(Sign()(x)), [[-1, -1, 1, 1, 1]])
    np.testing.assert_array_equal(np.asarray(Sign(low=0.0)(x)), [[0, 0, 1, 1, 1]])


def test_matches_numpy_and_round_trips():
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    layer = Sign.from_config(Sign(low=0.0).get_config())
    np.testing.assert_array_equal(np.asarray(layer(x)), np.where(x >= 0, 1.0, 0.0))
    assert layer.compute_output_shape((None, 3)) == (None, 3)
