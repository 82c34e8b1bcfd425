import numpy as np

from kerasvision.layers.random_fourier_features import RandomFourierFeatures


def test_matches_formula_and_approximates_the_rbf_kernel():
    rng = np.random.default_rng(0)
    x = rng.normal(scale=0.7, size=(30, 2)).astype("float32")
    layer = RandomFourierFeatures(4000, gamma=0.5, seed=0)
    z = np.asarray(layer(x))
    w, b = layer.get_weights()
    np.testing.assert_allclose(z, np.sqrt(2 / 4000) * np.cos(x @ w + b), rtol=1e-4, atol=1e-5)
    # W ~ N(0, 2γ): the Fourier transform of exp(−γ‖δ‖²) (Rahimi & Recht 2007).
    assert abs(w.std() - 1.0) < 0.03
    exact = np.exp(-0.5 * ((x[:, None] - x[None]) ** 2).sum(-1))
    assert np.abs(z @ z.T - exact).max() < 0.08
    assert layer.trainable_weights == []


def test_error_falls_with_more_features_and_config():
    x = np.random.default_rng(1).normal(size=(40, 3)).astype("float32")
    exact = np.exp(-1.0 * ((x[:, None] - x[None]) ** 2).sum(-1))
    errs = []
    for units in (50, 5000):
        z = np.asarray(RandomFourierFeatures(units, gamma=1.0, seed=2)(x))
        errs.append(np.abs(z @ z.T - exact).mean())
    assert errs[1] < errs[0] / 4
    layer = RandomFourierFeatures.from_config(RandomFourierFeatures(8, 2.0, seed=5).get_config())
    assert (layer.units, layer.gamma, layer.seed) == (8, 2.0, 5)
    assert layer.compute_output_shape((None, 3)) == (None, 8)
