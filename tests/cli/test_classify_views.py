"""`kerasvision classify` runs one view of a model published with test-time views, with
the one-view in-distribution calibration, and all of its views with --tta."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from kerasvision.cli.main import cli


@pytest.fixture(scope="module")
def tta_model(tmp_path_factory):
    """A tiny 8×8 grey classifier wrapped in translation averaging, saved with a view-averaged
    score that flags everything and a one-view score that passes everything; two images."""
    import keras

    from kerasvision.tasks.image_classifier import ImageClassifier
    from kerasvision.tasks.in_distribution import EnergyScore
    from kerasvision.tasks.translation_averaging import with_translation_averaging

    keras.utils.set_random_seed(3)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Rescaling(1 / 255.0)(inputs)
    x = keras.layers.Conv2D(4, 3, activation="relu")(x)
    x = keras.layers.Flatten()(x)  # position-dependent: shifted views score differently
    outputs = keras.layers.Dense(3, activation="softmax", name="predictions")(x)
    network = keras.Model(inputs, outputs)
    folder = tmp_path_factory.mktemp("views")
    images = np.random.default_rng(0).integers(0, 256, (2, 8, 8), dtype=np.uint8)
    for i, pixels in enumerate(images):
        Image.fromarray(pixels).save(folder / f"image{i}.png")
    classifier = ImageClassifier(with_translation_averaging(network), ["a", "b", "c"],
                                 in_distribution=EnergyScore(1e9, noun="letter"),
                                 single_view_in_distribution=EnergyScore(-1e9, noun="letter"))
    classifier.save(folder / "tta.keras")
    ImageClassifier(network, ["a", "b", "c"]).save(folder / "one.keras")
    pixels = images[..., None].astype("float32")
    return folder, np.asarray(network(pixels)), np.asarray(classifier.model(pixels))


def run(folder, model, *options):
    return CliRunner().invoke(cli, ["classify", str(folder / "image0.png"),
                                    str(folder / "image1.png"), "--model",
                                    str(folder / model), "--json", "--top-k", "3", *options],
                              obj={})


def scores(output):
    rows = []
    for entry in json.loads(output):
        by_id = {p["class_id"]: p["score"] for p in entry["predictions"]}
        rows.append([by_id[i] for i in range(3)])
    return np.array(rows)


def test_without_tta_one_view_runs_with_its_own_calibration(tta_model):
    folder, one_view, averaged = tta_model
    assert not np.allclose(one_view, averaged, atol=1e-3)  # the views do differ
    result = run(folder, "tta.keras")
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(scores(result.output), one_view, atol=1e-5)
    assert [e["in_distribution"] for e in json.loads(result.output)] == [True, True]


def test_tta_averages_the_published_views(tta_model):
    folder, _, averaged = tta_model
    result = run(folder, "tta.keras", "--tta")
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(scores(result.output), averaged, atol=1e-5)
    assert [e["in_distribution"] for e in json.loads(result.output)] == [False, False]


def test_tta_on_a_model_without_views_is_a_usage_error(tta_model):
    folder, _, _ = tta_model
    result = CliRunner().invoke(cli, ["classify", str(folder / "image0.png"), "--model",
                                      str(folder / "one.keras"), "--tta"], obj={})
    assert result.exit_code == 2
    assert "has no test-time views" in result.output
