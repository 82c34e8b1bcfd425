"""EuclideanRBF against a numpy loop."""

import numpy as np

from kerasvision.layers import EuclideanRBF


def test_penalties_match_numpy_and_codes_are_fixed_signs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 84)).astype("float32")
    layer = EuclideanRBF(10)
    got = np.asarray(layer(x))
    codes = np.asarray(layer.codes)
    assert set(np.unique(codes)) == {-1.0, 1.0}
    want = np.array([[np.sum((x[n] - codes[:, i]) ** 2) for i in range(10)] for n in range(3)])
    np.testing.assert_allclose(got, want, rtol=1e-4)
    # 840 connections, nothing trainable (LeCun et al. 1998, §II.B).
    assert layer.count_params() == 840 and not layer.trainable_weights


def test_negate_gives_logits_and_config_is_deterministic():
    x = np.random.default_rng(1).normal(size=(2, 8)).astype("float32")
    a = EuclideanRBF(4, code_seed=3)
    b = EuclideanRBF.from_config({**a.get_config(), "negate": True})
    np.testing.assert_allclose(np.asarray(b(x)), -np.asarray(a(x)), rtol=1e-5)
    np.testing.assert_array_equal(a.codes, b.codes)
    assert a.compute_output_shape((None, 8)) == (None, 4)
    # The code nearest the input wins.
    c = EuclideanRBF(4, code_seed=3)
    c.build((None, 8))
    code = np.asarray(c.codes)[:, 2]
    assert np.argmin(np.asarray(c(code[None]))[0]) == 2
