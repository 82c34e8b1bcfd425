import warnings

import numpy as np
import pytest

from kerasvision.models import build
from kerasvision.models.classic.perceptron import PerceptronConvergenceWarning


def _fit(model, x, t, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerceptronConvergenceWarning)
        return model.fit(x, t, verbose=0, **kwargs)


@pytest.mark.parametrize("kernel,params", [("rbf", {"gamma": 1.0}),
                                           ("polynomial", {"degree": 2, "gamma": 1.0})])
def test_separates_circles_where_the_primal_perceptron_cannot(kernel, params, concentric_circles):
    x, t = concentric_circles()
    model = build("kernel_perceptron", kernel=kernel, capacity=400, **params)
    _fit(model, x, t, epochs=200)
    np.testing.assert_array_equal(model.predict(x, verbose=0)[:, 0], t)
    primal = build("perceptron", input_shape=(2,), associative_units=0)
    with pytest.warns(PerceptronConvergenceWarning):
        primal.fit(x, t, epochs=20, verbose=0)
    assert np.mean(primal.predict(x, verbose=0)[:, 0] == t) < 0.8


def test_dual_form_is_the_representer_sum(concentric_circles):
    x, t = concentric_circles(seed=1)
    model = build("kernel_perceptron", gamma=0.7, capacity=400)
    _fit(model, x, t, epochs=200)
    stored = int(model.stored.numpy())
    assert stored == model.updates > 0
    points = model.get_layer("kernel_responses").get_weights()[0][:stored]
    alpha = model.get_layer("dual_coefficients").get_weights()[0][:stored, 0]
    assert set(np.unique(alpha)) <= {-1.0, 1.0}  # α = η t for each mistake
    probe = np.random.default_rng(2).uniform(-3, 3, size=(50, 2)).astype("float32")
    k = np.exp(-0.7 * ((probe[:, None] - points[None]) ** 2).sum(-1)) + 1.0
    f = k @ alpha
    np.testing.assert_allclose(np.asarray(model.score(probe))[:, 0], f, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(model.predict(probe, verbose=0)[:, 0], np.where(f >= 0, 1, -1))


def test_linear_kernel_makes_the_primal_perceptrons_mistakes():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(60, 3)).astype("float32")
    t = np.where(x @ [1.0, -2.0, 0.5] + 0.3 > 0, 1.0, -1.0).astype("float32")
    dual = build("kernel_perceptron", input_shape=(3,), kernel="linear", capacity=500)
    primal = build("perceptron", input_shape=(3,), associative_units=0)
    hd = _fit(dual, x, t, shuffle=False, epochs=200)
    hp = _fit(primal, x, t, shuffle=False, epochs=200)
    assert hd.history["errors"] == hp.history["errors"]
    assert dual.updates == primal.updates
    probe = rng.normal(size=(100, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(dual.score(probe)), np.asarray(primal.score(probe)),
                               rtol=1e-4, atol=1e-4)


def test_full_buffer_counts_mistakes_without_storing(concentric_circles):
    x, t = concentric_circles(seed=4)
    model = build("kernel_perceptron", capacity=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerceptronConvergenceWarning)
        model.fit(x, t, epochs=2, verbose=0)
    assert int(model.stored.numpy()) == 3 and model.updates > 3
