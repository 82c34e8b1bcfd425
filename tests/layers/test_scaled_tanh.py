"""ScaledTanh: LeNet-5's f(a) = A tanh(S a)."""

import numpy as np

from kerasvision.layers import ScaledTanh


def test_values_and_the_papers_fixed_points():
    x = np.linspace(-4, 4, 17).astype("float32")
    np.testing.assert_allclose(ScaledTanh()(x), 1.7159 * np.tanh(2 / 3 * x), rtol=1e-6)
    # LeCun et al. 1998, Appendix A: f(1) = 1 and f(−1) = −1.
    np.testing.assert_allclose(ScaledTanh()(np.array([1.0, -1.0], "float32")), [1, -1],
                               atol=2e-4)


def test_config_and_shape():
    layer = ScaledTanh(2.0, 0.5)
    clone = ScaledTanh.from_config(layer.get_config())
    np.testing.assert_allclose(clone(np.array([1.0], "float32")), 2 * np.tanh(0.5), rtol=1e-6)
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 4)
