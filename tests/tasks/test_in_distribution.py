"""The energy score (Liu et al. NeurIPS 2020) per prediction: computed, calibrated, kept with the
model, returned by predict and by the SavedModel."""

import json

import numpy as np
import pytest

from kerasvision.tasks.image_classifier import ImageClassifier, Predictions
from kerasvision.tasks.in_distribution import (EnergyScore, calibrate_energy, energy_scores,
                                               logits_head)


@pytest.fixture(scope="module")
def classifier():
    """A tiny softmax classifier on 8×8 grey pixels (random weights: only the arithmetic counts)."""
    import keras

    keras.utils.set_random_seed(1)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Rescaling(1 / 255.0)(inputs)
    x = keras.layers.Conv2D(6, 3, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs)
    head = model.get_layer("predictions")
    head.kernel.assign(head.kernel * 20.0)  # spread the logits, so scores differ clearly
    return ImageClassifier(model, ["a", "b", "c"])


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).integers(0, 256, (40, 8, 8, 1)).astype(np.float32)


def test_energy_is_logsumexp_of_the_logits(classifier, images):
    import keras

    head, applies_softmax = logits_head(classifier.model)
    assert applies_softmax
    features = keras.Model(classifier.model.inputs, head.input).predict(images, verbose=0)
    logits = features @ head.kernel.numpy() + head.bias.numpy()
    expected = np.log(np.exp(logits).sum(-1))  # -E(x) with T = 1 (Liu et al., eq. 4)
    np.testing.assert_allclose(energy_scores(classifier.model, images), expected, rtol=1e-5)
    t = 2.0
    np.testing.assert_allclose(energy_scores(classifier.model, images, temperature=t),
                               t * np.log(np.exp(logits / t).sum(-1)), rtol=1e-5)


def test_calibration_lets_95_percent_through(classifier, images):
    calibration = calibrate_energy(classifier.model, images, pass_rate=0.95)
    passes = calibration.passes(energy_scores(classifier.model, images))
    assert passes.sum() == 38  # 95 % of 40
    assert calibration.threshold == pytest.approx(np.sort(energy_scores(classifier.model,
                                                                        images))[2])


def test_predictions_carry_the_verdict_and_the_score(classifier, images):
    scores = energy_scores(classifier.model, images)
    threshold = float(np.median(scores))
    classifier.in_distribution = EnergyScore(threshold, noun="letter")
    try:
        answers = classifier.predict(list(images), top_k=2)
    finally:
        classifier.in_distribution = None
    assert all(isinstance(a, Predictions) and len(a) == 2 for a in answers)
    assert [a.in_distribution for a in answers] == list(scores >= threshold)
    np.testing.assert_allclose([a.in_distribution_score for a in answers], scores, rtol=1e-5)
    assert answers[0].noun == "letter"
    # The top class is the softmax's, as without the score.
    plain = classifier.predict(list(images), top_k=2)
    assert [a[0].label for a in answers] == [p[0].label for p in plain]
    assert getattr(plain[0], "in_distribution", None) is None


def test_the_calibration_is_kept_in_the_keras_file(classifier, images, tmp_path):
    classifier.in_distribution = calibrate_energy(classifier.model, images, noun="letter",
                                                  calibrated_on="40 random images")
    try:
        classifier.save(tmp_path / "m.keras")
    finally:
        classifier.in_distribution = None
    loaded = ImageClassifier.load(tmp_path / "m.keras")
    assert loaded.in_distribution.get_config()["method"] == "energy"
    assert loaded.in_distribution.threshold == pytest.approx(
        calibrate_energy(classifier.model, images).threshold)
    assert loaded.in_distribution.calibrated_on == "40 random images"
    assert loaded.predict([images[0]])[0].in_distribution is not None


def test_the_saved_model_returns_the_score(classifier, images, tmp_path):
    import tensorflow as tf

    threshold = float(np.median(energy_scores(classifier.model, images)))
    classifier.in_distribution = EnergyScore(threshold)
    try:
        version = classifier.export(tmp_path / "served", warmup=False)
    finally:
        classifier.in_distribution = None
    served = tf.saved_model.load(str(version)).signatures["serving_pixels"](
        pixels=tf.constant(images))
    scores = energy_scores(classifier.model, images)
    np.testing.assert_allclose(served["in_distribution_score"].numpy(), scores, rtol=1e-5)
    np.testing.assert_array_equal(served["in_distribution"].numpy(), scores >= threshold)
    metadata = json.loads((version / "assets" / "kerasvision.json").read_text())
    assert metadata["in_distribution"]["threshold"] == threshold


def test_a_model_without_logits_is_refused():
    import keras

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="sigmoid")(inputs))
    with pytest.raises(ValueError, match="logits"):
        logits_head(model)
