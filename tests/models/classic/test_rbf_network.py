import numpy as np

import keras

from kerasvision.models import build


def test_forward_is_a_linear_unit_over_gaussian_bases():
    model = build("rbf_network", input_shape=(2,), basis_functions=5, classes=3)
    x = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    c, log_sigma = model.get_layer("basis").get_weights()
    w, b = model.get_layer("predictions").get_weights()
    phi = np.exp(-((x[:, None] - c[None]) ** 2).sum(-1) / (2 * np.exp(2 * log_sigma)))
    logits = phi @ w + b
    want = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-4, atol=1e-6)


def test_learns_centres_widths_and_output_together(concentric_circles):
    x, t = concentric_circles()
    y = (t > 0).astype("int32")
    keras.utils.set_random_seed(0)
    model = build("rbf_network", basis_functions=8,
                  centers=x[np.random.default_rng(0).choice(len(x), 8, replace=False)])
    before = [w.copy() for w in model.get_weights()]
    model.fit(np.tile(x, (10, 1)), np.tile(y, 10), epochs=6, batch_size=16, verbose=0)
    assert np.mean(model.predict(x, verbose=0).argmax(-1) == y) >= 0.97
    after = model.get_weights()
    assert all(np.abs(a - b).max() > 1e-3 for a, b in zip(after, before))  # c, σ, W, b all moved
