"""The shipped Fashion-MNIST classifier's photo input path and in-distribution score, through
the Python API and its newest TF Serving version (the older versions still load)."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kerasvision.data.fashion_mnist import load_fashion_mnist
from kerasvision.tasks.saved_model_classifier import resolve_version_dir
from kerasvision.tasks.shipped_models import DEFAULT_CLASSIFIER, shipped_model_dir


@pytest.fixture(scope="module")
def folder():
    return shipped_model_dir(DEFAULT_CLASSIFIER)


@pytest.fixture(scope="module")
def classifier(folder):
    from kerasvision.tasks.image_classifier import ImageClassifier

    return ImageClassifier.load(folder / "model.keras")


@pytest.fixture(scope="module")
def test_items():
    (_, _), (x, y) = load_fashion_mnist()
    return x[:40], y[:40]


def product_jpeg(item, rng):
    """A test item as a shop photo: dark and tinted on white, enlarged, off centre, JPEG."""
    amount = item.astype(np.float32)[..., None] / 255.0
    rgb = 255.0 - amount * (255.0 - rng.integers(0, 120, 3))
    side = int(rng.integers(120, 260))
    garment = Image.fromarray(np.round(rgb).astype(np.uint8)).resize((side, side),
                                                                     Image.BICUBIC)
    canvas = Image.new("RGB", (int(rng.integers(side, 400)), int(rng.integers(side, 400))),
                       (255, 255, 255))
    canvas.paste(garment, (int(rng.integers(0, canvas.width - side + 1)),
                           int(rng.integers(0, canvas.height - side + 1))))
    buf = io.BytesIO()
    canvas.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def test_the_shipped_model_has_the_photo_path_and_a_calibration(classifier, folder):
    assert classifier.preprocessor.photo_conversion == "fashion_mnist"
    assert classifier.in_distribution.method == "mahalanobis"
    assert classifier.in_distribution.pass_rate == 0.95
    assert classifier.in_distribution.noun == "garment"
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["in_distribution"]["threshold"] == pytest.approx(
        classifier.in_distribution.threshold)


def test_product_photos_of_test_items_are_classified_and_pass(classifier, test_items):
    from kerasvision.io import read_image

    items, labels = test_items
    rng = np.random.default_rng(0)
    photos = [read_image(product_jpeg(item, rng), channels=1) for item in items]
    answers = classifier.predict(photos, top_k=1)
    accuracy = np.mean([a[0].class_id == label for a, label in zip(answers, labels)])
    # 92.5 % on 10,000 such photos (MODEL_CARD.md); the plain stretch scored 10.3 %.
    assert accuracy >= 0.85
    assert np.mean([a.in_distribution for a in answers]) >= 0.8


def test_the_examples_are_neither_converted_nor_flagged(classifier):
    from kerasvision.io import read_image
    from kerasvision.io.image_preprocessor import ImagePreprocessor

    names = ["ankle_boot", "bag", "dress", "pullover", "sneaker", "trouser"]
    examples = Path(__file__).resolve().parent.parent / "examples"
    images = [read_image(examples / f"{name}.png", channels=1) for name in names]
    plain = ImagePreprocessor((28, 28), 1).preprocess(images).pixels
    np.testing.assert_array_equal(classifier.preprocessor.preprocess(images).pixels, plain)
    assert all(a.in_distribution for a in classifier.predict(images))


def test_things_that_are_not_garments_are_flagged(classifier):
    rng = np.random.default_rng(1)
    noise = [rng.integers(0, 256, (int(rng.integers(28, 300)),) * 2, dtype=np.uint8)
             for _ in range(5)]
    flat = [np.full((60, 90, 3), colour, np.uint8) for colour in ((200, 30, 30), (255,) * 3)]
    page = np.full((300, 200), 250, np.uint8)
    page[20:280:12, 15:185] = 30  # lines of "text"
    answers = classifier.predict(noise + flat + [page])
    assert not any(a.in_distribution for a in answers)


def test_the_newest_version_serves_the_score_and_the_first_still_loads(classifier, folder,
                                                                       test_items):
    import tensorflow as tf

    newest = resolve_version_dir(folder)
    assert int(newest.name) >= 2 and (folder / "1" / "saved_model.pb").is_file()
    served = tf.saved_model.load(str(newest)).signatures["serving_pixels"](
        pixels=tf.constant(test_items[0][..., None].astype(np.float32)))
    answers = classifier.predict(list(test_items[0][..., None]))
    np.testing.assert_allclose(served["in_distribution_score"].numpy(),
                               [a.in_distribution_score for a in answers], rtol=1e-4,
                               atol=1e-3)
    first = tf.saved_model.load(str(folder / "1")).signatures["serving_pixels"]
    assert "scores" in first.structured_outputs


def test_the_card_states_the_measured_figures(folder):
    card = (folder / "MODEL_CARD.md").read_text()
    assert "## Limitations and intended input" in card
    figures = json.loads((Path(__file__).resolve().parent.parent / "benchmarks"
                          / "photo_inputs.json").read_text())
    for value in (figures["product_photo_accuracy_with_conversion"],
                  figures["product_photo_accuracy_without_conversion"],
                  figures["flagged"]["mahalanobis"]["fashion_mnist_test"],
                  figures["flagged"]["energy"]["documents"]):
        assert f"{100 * value:.1f} %" in card
    assert figures["product_photos"] == 10000


def test_tf_serving_converts_photos_as_the_python_api_does(classifier, folder, test_items):
    import tensorflow as tf

    from kerasvision.io import read_image

    rng = np.random.default_rng(2)
    photos = [product_jpeg(item, rng) for item in test_items[0][:3]]
    served = tf.saved_model.load(str(resolve_version_dir(folder))).signatures[
        "serving_default"](image_bytes=tf.constant(photos))
    answers = classifier.predict([read_image(p, channels=1) for p in photos], top_k=10)
    expected = np.zeros((3, 10), np.float32)
    for row, answer in zip(expected, answers):
        for p in answer:
            row[p.class_id] = p.score
    np.testing.assert_allclose(served["scores"].numpy(), expected, atol=1e-5)
    np.testing.assert_array_equal(served["in_distribution"].numpy(),
                                  [a.in_distribution for a in answers])
