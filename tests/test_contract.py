"""The standard contract, over every registered name (DESIGN.md). No opt-out list."""

import numpy as np
import pytest

import keras
import tensorflow as tf

from kerasvision.models import build, build_tiny, list_models
from kerasvision.models.contract import compile_for_contract, example_batch
from kerasvision.registry import get_spec

NAMES = list_models()


def _forward(model, x):
    # An eager call: tracing predict()'s tf.function for every model would double the time.
    return _as_list(model(x, training=False))


def _as_list(y):
    if isinstance(y, dict):
        return [np.asarray(y[k]) for k in sorted(y)]
    if isinstance(y, (list, tuple)):
        return [np.asarray(v) for v in y]
    return [np.asarray(y)]


@pytest.fixture(scope="module")
def built():
    cache = {}

    def get(name):
        if name not in cache:
            keras.utils.set_random_seed(0)
            spec = get_spec(name)
            model = build_tiny(name)
            x, y = example_batch(spec, model, 2, np.random.default_rng(0))
            cache[name] = (spec, model, x, y)
        return cache[name]

    return get


def test_registry_is_not_empty():
    assert len(NAMES) > 0


@pytest.mark.parametrize("name", NAMES)
def test_forward_batch_of_two(name, built):
    spec, model, x, _ = built(name)
    outs = _forward(model, x)
    for out, sym in zip(outs, model.outputs):
        assert out.shape[0] == 2
        assert out.shape[1:] == tuple(d if d is not None else out.shape[i + 1]
                                      for i, d in enumerate(sym.shape[1:]))
        assert out.dtype == np.float32
        assert np.all(np.isfinite(out))


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip(name, built):
    spec, model, x, _ = built(name)
    clone = model.__class__.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    for a, b in zip(_forward(model, x), _forward(clone, x)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_keras_file_round_trip(name, built, tmp_path):
    spec, model, x, _ = built(name)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # safe_mode stays on
    for a, b in zip(_forward(model, x), _forward(loaded, x)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_saved_model_export(name, built, tmp_path):
    spec, model, x, _ = built(name)
    path = str(tmp_path / "export")
    model.export(path, format="tf_saved_model", verbose=False)
    reloaded = tf.saved_model.load(path)
    rng = np.random.default_rng(1)
    for batch in (1, 3):
        xb, _ = example_batch(spec, model, batch, rng)
        want = _forward(model, xb)
        got = reloaded.serve(*xb) if isinstance(xb, (list, tuple)) else reloaded.serve(xb)
        for a, b in zip(want, _as_list(got)):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_one_fit_step(name, built):
    spec, model, x, y = built(name)
    compile_for_contract(spec, model)
    hist = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"][-1])
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = model.compute_loss(x=x, y=y, y_pred=pred)
    grads = tape.gradient(loss, model.trainable_weights)
    missing = [w.path for w, g in zip(model.trainable_weights, grads) if g is None]
    assert not missing, f"no gradient for {missing}"
    assert all(np.all(np.isfinite(g)) for g in grads)


REFERENCED = [n for n in NAMES if "params" in get_spec(n).reference]


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.slow) if get_spec(n).reference.get("slow") else n
    for n in REFERENCED])
def test_reference_parameter_count(name):
    ref = get_spec(name).reference
    model = build(name, **ref.get("config", {}))
    count = ref.get("count", "total")
    got = (model.count_params() if count == "total"
           else sum(int(np.prod(w.shape)) for w in model.trainable_weights))
    want = ref["params"]
    tol = ref.get("params_rel_tol", 0.0)
    assert abs(got - want) <= tol * want, f"{name}: {count} params {got:,} vs published {want:,}"
