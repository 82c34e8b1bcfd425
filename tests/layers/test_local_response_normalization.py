"""LocalResponseNormalization against tf.nn.local_response_normalization and a numpy loop."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasvision.layers import LocalResponseNormalization


@pytest.mark.parametrize("radius,bias,alpha,beta", [(2, 2.0, 1e-4, 0.75), (1, 1.0, 0.5, 0.5),
                                                     (3, 0.5, 2e-2, 1.0)])
def test_matches_tf_nn(radius, bias, alpha, beta):
    x = np.random.default_rng(0).normal(0, 3, (2, 5, 4, 9)).astype("float32")
    layer = LocalResponseNormalization(radius, bias, alpha, beta)
    want = tf.nn.local_response_normalization(x, radius, bias, alpha, beta)
    np.testing.assert_allclose(layer(x), want, rtol=1e-5, atol=1e-6)
    # The portable Keras-ops formula (other backends, other ranks) is the same function.
    np.testing.assert_allclose(layer.window_sums_call(x), want, rtol=1e-5, atol=1e-6)


def test_matches_the_papers_sum_at_a_border_channel():
    # AlexNet §3.3: b^i = a^i / (k + α Σ_{j=max(0,i−n/2)}^{min(N−1,i+n/2)} (a^j)²)^β.
    x = np.random.default_rng(1).normal(0, 10, (1, 1, 1, 6)).astype("float32")
    layer = LocalResponseNormalization(2, 2.0, 1e-2, 0.75)
    got = np.asarray(layer(x))[0, 0, 0]
    a = x[0, 0, 0]
    want = [a[i] / (2.0 + 1e-2 * np.sum(a[max(0, i - 2):min(5, i + 2) + 1] ** 2)) ** 0.75
            for i in range(6)]
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_config_and_shape():
    layer = LocalResponseNormalization(3, 1.5, 1e-3, 0.5, name="lrn")
    clone = LocalResponseNormalization.from_config(layer.get_config())
    assert (clone.depth_radius, clone.bias, clone.alpha, clone.beta) == (3, 1.5, 1e-3, 0.5)
    assert layer.compute_output_shape((None, 7, 7, 16)) == (None, 7, 7, 16)
    assert keras.saving.get_registered_object("kerasvision>LocalResponseNormalization") is \
        LocalResponseNormalization
