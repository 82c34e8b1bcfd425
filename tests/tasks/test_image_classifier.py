"""ImageClassifier: preprocessing in the graph, top-k decoding, metrics, fine-tuning, files."""

import json

import numpy as np
import pytest
from PIL import Image

from kerasvision.tasks.image_classifier import ImageClassifier, classification_report


def test_class_names_travel_inside_the_keras_file(tiny_classifier, tmp_path):
    tiny_classifier.save(tmp_path / "m.keras")
    loaded = ImageClassifier.load(tmp_path / "m.keras")
    assert loaded.class_names == tiny_classifier.class_names
    assert loaded.class_names[0] == "T-shirt/top" and loaded.class_names[9] == "Ankle boot"


def test_native_size_passes_unchanged_and_other_sizes_are_resized(tiny_classifier, ramp_images):
    np.testing.assert_allclose(tiny_classifier.preprocess([ramp_images[0]])[0], ramp_images[0],
                               atol=1e-3)
    # A constant image stays that constant whatever its size, so the scores agree.
    flat = [np.full(shape, 120, np.uint8) for shape in ((28, 28, 1), (56, 40, 1), (7, 90, 1))]
    scores = tiny_classifier.scores(flat)
    np.testing.assert_allclose(scores[1:], np.repeat(scores[:1], 2, axis=0), atol=1e-5)


def test_top_k_is_sorted_and_names_match_ids(tiny_classifier, ramp_images):
    preds = tiny_classifier.predict(list(ramp_images), top_k=4)
    assert len(preds) == 6 and all(len(p) == 4 for p in preds)
    for row in preds:
        scores = [p.score for p in row]
        assert scores == sorted(scores, reverse=True)
        assert all(tiny_classifier.class_names[p.class_id] == p.label for p in row)


def test_predict_files_reports_bad_files_and_keeps_going(tiny_classifier, tmp_path):
    Image.fromarray(np.full((28, 28), 200, np.uint8)).save(tmp_path / "good.png")
    (tmp_path / "bad.jpg").write_text("not an image")
    results = {r.path.split("/")[-1]: r for r in tiny_classifier.predict_files([tmp_path])}
    assert results["good.png"].error is None and len(results["good.png"].predictions) == 5
    assert "bad.jpg" in results["bad.jpg"].error and results["bad.jpg"].predictions is None


def test_classification_report_values(tmp_path):
    scores = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
    labels = np.array([0, 1, 1, 2])
    report = classification_report(scores, labels, ["a", "b", "c"], tmp_path / "cm.png")
    assert report["accuracy"] == 0.75
    assert report["confusion_matrix"] == [[1, 0, 0], [1, 1, 0], [0, 0, 1]]
    assert report["per_class"]["a"] == {"precision": 0.5, "recall": 1.0}
    assert report["per_class"]["b"] == {"precision": 1.0, "recall": 0.5}
    assert (tmp_path / "cm.png").stat().st_size > 1000


def test_fit_then_finetune_new_classes(tiny_classifier, ramp_images):
    import keras

    clf = ImageClassifier(keras.models.clone_model(tiny_classifier.model),
                          tiny_classifier.class_names)
    x = ramp_images.astype("float32")
    hist = clf.fit(x, np.arange(6) % 10, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"][0])
    frozen_before = [w.numpy().copy() for w in clf.model.layers[2].weights]
    hist = clf.finetune(x, np.array([0, 1, 0, 1, 0, 1]), ["left", "right"], epochs=1, verbose=0)
    assert clf.class_names == ["left", "right"]
    assert clf.model.outputs[0].shape[-1] == 2
    assert len(clf.model.trainable_weights) == 2  # only the new head's kernel and bias
    for before, after in zip(frozen_before, clf.model.layers[2].weights):
        np.testing.assert_array_equal(before, after.numpy())
    assert [p.label for p in clf.predict([ramp_images[0]], top_k=2)[0]] in (
        ["left", "right"], ["right", "left"])


def test_fit_directory_of_class_folders(tiny_classifier, tmp_path):
    import keras

    clf = ImageClassifier(keras.models.clone_model(tiny_classifier.model), ["a", "b"] + [
        f"c{i}" for i in range(8)])
    for i, name in enumerate(["a", "b"]):
        (tmp_path / name).mkdir()
        for j in range(3):
            Image.fromarray(np.full((40, 30), 60 * i + j, np.uint8)).save(tmp_path / name / f"{j}.png")
    for name in [f"c{i}" for i in range(8)]:
        (tmp_path / name).mkdir()
        Image.fromarray(np.zeros((28, 28), np.uint8)).save(tmp_path / name / "0.png")
    hist = clf.fit_directory(tmp_path, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(hist.history["loss"][0])


def test_lambda_model_is_refused_in_safe_mode(tmp_path):
    import keras

    inputs = keras.Input((4,))
    outputs = keras.layers.Lambda(lambda t: t * 2)(inputs)
    keras.Model(inputs, outputs).save(tmp_path / "evil.keras")
    with pytest.raises(ValueError, match="evil.keras: refused"):
        ImageClassifier.load(tmp_path / "evil.keras")
