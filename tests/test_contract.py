"""The standard contract, over every registered name and the test-only examples of
tests/contract_examples (docs/architecture.md, "The registry"). No opt-out list: each name is
tested by its task's contract object, `kerasvision.models.contracts.contract_for(spec)`."""

import numpy as np
import pytest

import keras
import tensorflow as tf

from contract_examples import EXAMPLE_SPECS
from kerasvision.models import list_models
from kerasvision.models.contracts import as_arrays, contract_for
from kerasvision.registry import get_spec

NAMES = list_models()
SPECS = {**{name: get_spec(name) for name in NAMES}, **EXAMPLE_SPECS}
MODELS = [name for name, spec in SPECS.items() if spec.kind == "model"]
PIPELINES = [name for name, spec in SPECS.items() if spec.kind == "pipeline"]
DETECTORS = [name for name in MODELS if SPECS[name].task == "detection"]


def _assert_same_outputs(want, got, rtol=0.0, atol=0.0):
    # Dict outputs (a detector's) must agree on their keys, then array by array.
    if isinstance(want, dict):
        assert sorted(got) == sorted(want), f"keys {sorted(got)}, want {sorted(want)}"
    want, got = as_arrays(want), as_arrays(got)
    assert len(got) == len(want), f"{len(got)} outputs, want {len(want)}"
    for a, b in zip(want, got):
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


@pytest.fixture(scope="module")
def built():
    cache = {}

    def get(name):
        if name not in cache:
            keras.utils.set_random_seed(0)
            spec = SPECS[name]
            contract = contract_for(spec)
            model = spec.builder(**spec.tiny)
            x, y = contract.example_batch(model, 2, np.random.default_rng(0))
            cache[name] = (contract, model, x, y)
        return cache[name]

    return get


def test_registry_is_not_empty():
    assert len(NAMES) > 0


def test_examples_are_not_registered():
    assert not set(EXAMPLE_SPECS) & set(NAMES)


def test_every_task_contract_has_a_name():
    covered = {(spec.task, spec.kind) for spec in SPECS.values()}
    wanted = {("classification", "model"), ("classic", "model"), ("detection", "model"),
              ("segmentation", "model"), ("detection", "pipeline")}
    assert wanted <= covered, f"no name exercises {sorted(wanted - covered)}"


@pytest.mark.parametrize("name", MODELS)
def test_forward_batch_of_two(name, built):
    contract, model, x, _ = built(name)
    contract.check_prediction(model, x, contract.forward(model, x))


def test_detection_contract_rejects_training_outputs(built):
    # The raw per-anchor outputs of training are not the decoded detection dict.
    contract, model, x, _ = built("example_tiny_detector")
    with pytest.raises(AssertionError, match="keys"):
        contract.check_prediction(model, x, model(x, training=True))


@pytest.mark.parametrize("name", MODELS)
def test_config_round_trip(name, built):
    contract, model, x, _ = built(name)
    clone = model.__class__.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    _assert_same_outputs(contract.forward(model, x), contract.forward(clone, x),
                         rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_keras_file_round_trip(name, built, tmp_path):
    contract, model, x, _ = built(name)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # safe_mode stays on
    _assert_same_outputs(contract.forward(model, x), contract.forward(loaded, x))


@pytest.mark.parametrize("name", MODELS)
def test_saved_model_export(name, built, tmp_path):
    contract, model, x, _ = built(name)
    path = str(tmp_path / "export")
    model.export(path, format="tf_saved_model", verbose=False)
    reloaded = tf.saved_model.load(path)
    rng = np.random.default_rng(1)
    for batch in (1, 3):
        xb, _ = contract.example_batch(model, batch, rng)
        got = reloaded.serve(*xb) if isinstance(xb, (list, tuple)) else reloaded.serve(xb)
        _assert_same_outputs(contract.forward(model, xb), got, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", MODELS)
def test_one_fit_step(name, built):
    contract, model, x, y = built(name)
    contract.compile(model)
    hist = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"][-1])
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = model.compute_loss(x=x, y=y, y_pred=pred)
    grads = tape.gradient(loss, model.trainable_weights)
    missing = [w.path for w, g in zip(model.trainable_weights, grads) if g is None]
    assert not missing, f"no gradient for {missing}"
    assert all(np.all(np.isfinite(g)) for g in grads)


@pytest.mark.parametrize("name", DETECTORS)
def test_detector_fits_a_batch_without_any_box(name, built):
    # keras-cv's own detector tests: `fit` when no box in the batch is valid (all rows -1).
    contract, model, x, y = built(name)
    contract.compile(model)
    empty = {key: np.full_like(value, -1.0) for key, value in y.items()}
    hist = model.fit(x, empty, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"][-1])


@pytest.mark.parametrize("name", PIPELINES)
def test_pipeline_end_to_end(name):
    spec = SPECS[name]
    keras.utils.set_random_seed(0)
    pipeline = spec.builder(**spec.tiny)
    contract = contract_for(spec)
    images = contract.example_scene(pipeline, 2, np.random.default_rng(0))
    contract.check_prediction(pipeline, images, contract.forward(pipeline, images))


@pytest.mark.parametrize("name", PIPELINES)
def test_pipeline_save_load_round_trip(name, tmp_path):
    spec = SPECS[name]
    keras.utils.set_random_seed(0)
    pipeline = spec.builder(**spec.tiny)
    contract = contract_for(spec)
    images = contract.example_scene(pipeline, 2, np.random.default_rng(0))
    loaded = contract.reload(pipeline, tmp_path / name)
    _assert_same_outputs(contract.forward(pipeline, images), contract.forward(loaded, images))


REFERENCED = [n for n, spec in SPECS.items() if "params" in spec.reference]


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.slow) if SPECS[n].reference.get("slow") else n
    for n in REFERENCED])
def test_reference_parameter_count(name):
    spec = SPECS[name]
    # A parameter count is a model's; a pipeline's trained parts register their own.
    assert spec.kind == "model", f"{name}: a pipeline declares no reference['params']"
    ref = spec.reference
    model = spec.builder(**ref.get("config", {}))
    count = ref.get("count", "total")
    got = (model.count_params() if count == "total"
           else sum(int(np.prod(w.shape)) for w in model.trainable_weights))
    want = ref["params"]
    tol = ref.get("params_rel_tol", 0.0)
    assert abs(got - want) <= tol * want, f"{name}: {count} params {got:,} vs published {want:,}"
