import warnings

import numpy as np
import pytest

import keras
import tensorflow as tf

from kerasvision.models import build
from kerasvision.models.classic.perceptron import PerceptronConvergenceWarning
from kerasvision.models.classic.perceptron_criterion import PerceptronCriterion


def separable_data(seed, n=80, dim=3, min_margin=0.15):
    """Linearly separable data with margin δ inside a ball of radius M (bias input included)."""
    rng = np.random.default_rng(seed)
    w_star = rng.normal(size=dim + 1)
    w_star /= np.linalg.norm(w_star)  # unit norm in φ-space, φ(x) = [x, 1]
    x = rng.uniform(-1.0, 1.0, size=(20 * n, dim))
    phi = np.hstack([x, np.ones((len(x), 1))])
    score = phi @ w_star
    keep = np.abs(score) >= min_margin
    x, phi, score = x[keep][:n], phi[keep][:n], score[keep][:n]
    t = np.where(score > 0, 1.0, -1.0)
    delta = np.min(t * (phi @ w_star))
    radius = np.max(np.linalg.norm(phi, axis=1))
    return x.astype("float32"), t.astype("float32"), (radius / delta) ** 2


def fit_quietly(model, x, t, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerceptronConvergenceWarning)
        return model.fit(x, t, verbose=0, **kwargs)


@pytest.mark.parametrize("seed,eta", [(0, 1.0), (1, 0.1), (2, 5.0)])
def test_novikoff_bound(seed, eta):
    x, t, bound = separable_data(seed)
    model = build("perceptron", input_shape=(3,), associative_units=0, learning_rate=eta)
    fit_quietly(model, x, t, epochs=int(bound) + 2, batch_size=len(x))
    assert np.all(model.predict(x, verbose=0)[:, 0] == t)  # zero training errors
    assert 0 < model.updates <= bound


def test_compile_then_fit_as_in_the_issue():
    x, t, _ = separable_data(3)
    model = build("perceptron", input_shape=(3,), associative_units=0)
    model.compile()
    history = model.fit(x, t, verbose=0)
    assert history.history["errors"][-1] == 0
    assert isinstance(model.loss, PerceptronCriterion)


def test_xor_does_not_converge_and_warns():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], "float32")
    t = np.array([-1, 1, 1, -1], "float32")
    model = build("perceptron", input_shape=(2,), associative_units=0)
    with pytest.warns(PerceptronConvergenceWarning, match="within 30 epochs"):
        history = model.fit(x, t, epochs=30, verbose=0)
    assert len(history.history["errors"]) == 30
    assert min(history.history["errors"]) >= 1
    assert np.any(model.predict(x, verbose=0)[:, 0] != t)


def _direction(model):
    kernel, bias = model.get_layer("linear_unit").get_weights()
    w = np.append(kernel[:, 0], bias)
    return w / np.linalg.norm(w)


def test_solution_depends_on_data_order_and_initialisation():
    x, t, _ = separable_data(4, min_margin=0.05)
    order = np.random.default_rng(0).permutation(len(x))
    a = build("perceptron", input_shape=(3,), associative_units=0)
    b = build("perceptron", input_shape=(3,), associative_units=0)
    fit_quietly(a, x, t, shuffle=False, epochs=500)
    fit_quietly(b, x[order], t[order], shuffle=False, epochs=500)
    c = build("perceptron", input_shape=(3,), associative_units=0,
              kernel_initializer=keras.initializers.RandomNormal(seed=1))
    fit_quietly(c, x, t, shuffle=False, epochs=500)
    for m in (a, b, c):
        assert np.all(m.predict(x, verbose=0)[:, 0] == t)
    assert np.linalg.norm(_direction(a) - _direction(b)) > 1e-2  # two orders, two separators
    assert np.linalg.norm(_direction(a) - _direction(c)) > 1e-2  # two starts, two separators


def test_rule_matches_a_numpy_loop_whatever_the_batch_size():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(11, 4)).astype("float32")
    t = np.where(rng.uniform(size=11) < 0.5, -1.0, 1.0).astype("float32")
    w, updates = np.zeros(5), 0
    for _ in range(2):
        for xi, ti in zip(x, t):
            phi = np.append(xi, 1.0)
            if (1.0 if phi @ w >= 0 else -1.0) != ti:  # sign(0) = +1
                w += 0.5 * ti * phi
                updates += 1
    model = build("perceptron", input_shape=(4,), associative_units=0, learning_rate=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerceptronConvergenceWarning)
        model.fit(x, t, batch_size=3, epochs=2, shuffle=False, verbose=0)
    kernel, bias = model.get_layer("linear_unit").get_weights()
    np.testing.assert_allclose(np.append(kernel[:, 0], bias), w, rtol=1e-5, atol=1e-5)
    assert model.updates == updates


def test_associative_units_are_fixed_random_sign_units():
    model = build("perceptron", seed=0)  # the 20×20 retina and 512 units
    assert model.inputs[0].shape[1:] == (20, 20)
    wiring = model.get_layer("associative_wiring")
    assert not wiring.trainable and wiring.kernel.shape == (400, 512)
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 513
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(40, 20, 20)).astype("float32")
    phi = np.asarray(model.features(x))
    np.testing.assert_array_equal(phi, np.where(x.reshape(40, -1) @ wiring.get_weights()[0] >= 0,
                                                1.0, -1.0))
    before = wiring.get_weights()[0].copy()
    t = np.where(x.mean(axis=(1, 2)) > 0.5, 1.0, -1.0).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerceptronConvergenceWarning)
        model.fit(x, t, epochs=3, verbose=0)
    np.testing.assert_array_equal(wiring.get_weights()[0], before)
    assert model.updates > 0
    # w = 0 at the start scores 0 everywhere, and sign(0) = +1.
    np.testing.assert_array_equal(build("perceptron", seed=0).predict(x, verbose=0), 1.0)


def test_perceptron_criterion_matches_numpy_and_its_gradient_is_the_rule():
    rng = np.random.default_rng(6)
    f = rng.normal(size=(9, 1)).astype("float32")
    t = np.where(rng.uniform(size=(9, 1)) < 0.5, -1.0, 1.0).astype("float32")
    want = np.sum(np.maximum(0.0, -t * f))
    np.testing.assert_allclose(float(PerceptronCriterion()(t, f)), want, rtol=1e-6)
    np.testing.assert_allclose(float(PerceptronCriterion()((t > 0).astype("float32"), f)), want,
                               rtol=1e-6)  # {0, 1} labels
    phi = rng.normal(size=(9, 3)).astype("float32")
    w = tf.Variable(rng.normal(size=(3, 1)).astype("float32"))
    with tf.GradientTape() as tape:
        loss = PerceptronCriterion()(t, tf.matmul(phi, w))
    wrong = (t * (phi @ w.numpy()) < 0)[:, 0]
    np.testing.assert_allclose(-tape.gradient(loss, w).numpy()[:, 0],
                               (t[wrong] * phi[wrong]).sum(axis=0), rtol=1e-5, atol=1e-6)
