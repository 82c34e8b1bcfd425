"""In-distribution scores per prediction (Mahalanobis, Lee et al. NeurIPS 2018; energy, Liu et
al. NeurIPS 2020): computed, calibrated, kept with the model, returned by predict and by the
SavedModel."""

import json

import numpy as np
import pytest

from kerasvision.tasks.image_classifier import ImageClassifier, Predictions
from kerasvision.tasks.in_distribution import (EnergyScore, MahalanobisScore, calibrate_energy,
                                               energy_scores, fit_mahalanobis, logits_head,
                                               penultimate_features)


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


def test_mahalanobis_is_the_closest_class_gaussian(classifier, images):
    features = penultimate_features(classifier.model, images)
    labels = np.arange(len(images)) % 3
    score = MahalanobisScore.fit(features, labels)
    means = np.stack([features[labels == c].mean(0) for c in range(3)])
    centred = features - means[labels]
    precision = np.linalg.pinv(centred.T @ centred / len(features))
    # Lee et al. 2018, eq. 2: M(x) = max_c -(f(x) - mu_c)^T Sigma^-1 (f(x) - mu_c).
    distances = np.array([[(f - m) @ precision @ (f - m) for m in means] for f in features])
    np.testing.assert_allclose(score.scores(classifier.model, images), -distances.min(1),
                               rtol=1e-3, atol=1e-3)


def test_mahalanobis_calibration_travels_with_the_model_and_the_export(classifier, images,
                                                                       tmp_path):
    import tensorflow as tf

    labels = np.arange(len(images)) % 3
    fitted = fit_mahalanobis(classifier.model, images[:30], labels[:30], images[30:],
                             pass_rate=0.8, noun="letter")
    assert fitted.passes(fitted.scores(classifier.model, images[30:])).sum() == 8
    classifier.in_distribution = fitted
    try:
        classifier.save(tmp_path / "m.keras")
        version = classifier.export(tmp_path / "served", warmup=False)
    finally:
        classifier.in_distribution = None
    loaded = ImageClassifier.load(tmp_path / "m.keras")
    assert isinstance(loaded.in_distribution, MahalanobisScore)
    np.testing.assert_array_equal(loaded.in_distribution.means, fitted.means)
    answers = loaded.predict(list(images))
    expected = fitted.scores(classifier.model, images)
    np.testing.assert_allclose([a.in_distribution_score for a in answers], expected, rtol=1e-5)
    served = tf.saved_model.load(str(version)).signatures["serving_pixels"](
        pixels=tf.constant(images))
    np.testing.assert_allclose(served["in_distribution_score"].numpy(), expected, rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_array_equal(served["in_distribution"].numpy(),
                                  [a.in_distribution for a in answers])
    # `classify --model BASE/` reads the same verdicts from the export.
    from kerasvision.tasks.saved_model_classifier import SavedModelClassifier

    from_export = SavedModelClassifier(version).predict(list(images))
    assert [a.in_distribution for a in from_export] == [a.in_distribution for a in answers]
    assert from_export[0].noun == "letter"


def test_finetuning_new_classes_drops_the_old_calibration(images):
    import keras

    keras.utils.set_random_seed(3)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(4, 3)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
    classifier = ImageClassifier(model, ["a", "b", "c"],
                                 in_distribution=calibrate_energy(model, images))
    classifier.finetune(images[:8], np.arange(8) % 2, ["x", "y"], epochs=1, verbose=0)
    assert classifier.in_distribution is None
    assert getattr(classifier.predict([images[0]])[0], "in_distribution", None) is None
