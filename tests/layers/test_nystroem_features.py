import numpy as np
import pytest

from kerasvision.layers.nystroem_features import NystroemFeatures


def _rbf(a, b, gamma):
    return np.exp(-gamma * ((a[:, None] - b[None]) ** 2).sum(-1))


def test_exact_on_landmarks_and_matches_numpy_formula():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(50, 2)).astype("float32")
    layer = NystroemFeatures(20, kernel="rbf", gamma=0.5, seed=0).adapt(data)
    landmarks, projection = layer.get_weights()
    z = np.asarray(layer(landmarks))
    np.testing.assert_allclose(z @ z.T, _rbf(landmarks, landmarks, 0.5), atol=2e-3)
    # z(x) = k(x, L) U Λ^{-1/2}, computed here with an SVD instead of eigh.
    k_ll = _rbf(landmarks, landmarks, 0.5)
    u, s, _ = np.linalg.svd(k_ll)
    keep = s > s.max() * 1e-10
    x = rng.normal(size=(9, 2)).astype("float32")
    approx = _rbf(x, landmarks, 0.5) @ u[:, keep] @ np.diag(1 / s[keep]) @ u[:, keep].T \
        @ _rbf(landmarks, x, 0.5)
    zx = np.asarray(layer(x))
    np.testing.assert_allclose(zx @ zx.T, approx, atol=5e-3)
    assert layer.trainable_weights == []


def test_approximation_improves_with_more_landmarks():
    rng = np.random.default_rng(1)
    data = rng.normal(size=(200, 2)).astype("float32")
    exact = _rbf(data, data, 1.0)
    errs = [np.abs(np.asarray(z) @ np.asarray(z).T - exact).mean()
            for z in (NystroemFeatures(m, gamma=1.0, seed=0).adapt(data)(data) for m in (5, 60))]
    assert errs[1] < errs[0] / 5
    clone = NystroemFeatures.from_config(NystroemFeatures(7, kernel="polynomial").get_config())
    assert (clone.units, clone.kernel) == (7, "polynomial")
    with pytest.raises(ValueError):
        NystroemFeatures(3, kernel="cosine")
