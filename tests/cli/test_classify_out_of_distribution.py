"""`kerasvision classify` says when an image is not like anything the model knows."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from kerasvision.cli.main import cli


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny classifier of 8×8 grey images and two image files."""
    import keras

    from kerasvision.tasks.image_classifier import ImageClassifier

    keras.utils.set_random_seed(2)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Rescaling(1 / 255.0)(inputs)
    x = keras.layers.Conv2D(4, 3, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="predictions")(x)
    folder = tmp_path_factory.mktemp("ood")
    for i in range(2):
        pixels = np.random.default_rng(i).integers(0, 256, (8, 8), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"image{i}.png")
    return ImageClassifier(keras.Model(inputs, outputs), ["a", "b", "c"]), folder


def classify(classifier, folder, threshold, *options):
    from kerasvision.tasks.in_distribution import EnergyScore

    classifier.in_distribution = EnergyScore(threshold, noun="letter")
    classifier.save(folder / f"model{threshold}.keras")
    result = CliRunner().invoke(cli, ["classify", str(folder / "image0.png"),
                                      str(folder / "image1.png"), "--model",
                                      str(folder / f"model{threshold}.keras"), *options],
                                obj={})
    assert result.exit_code == 0, result.output
    return result.output


def test_flagged_images_are_named_as_unknown(tiny):
    classifier, folder = tiny
    lines = classify(classifier, folder, 1e9).splitlines()
    assert len(lines) == 2
    for line in lines:
        assert re.fullmatch(r".*image\d\.png: not like any letter the model knows "
                            r"\(closest: [abc] \d\.\d\d\)", line), line


def test_json_carries_the_verdict_and_the_score(tiny):
    classifier, folder = tiny
    flagged = json.loads(classify(classifier, folder, 1e9, "--json"))
    assert [entry["in_distribution"] for entry in flagged] == [False, False]
    assert all(isinstance(entry["in_distribution_score"], float) for entry in flagged)
    assert all(len(entry["predictions"]) == 3 for entry in flagged)  # the answer is still there
    passed = json.loads(classify(classifier, folder, -1e9, "--json"))
    assert [entry["in_distribution"] for entry in passed] == [True, True]
    plain = classify(classifier, folder, -1e9)
    assert "not like any" not in plain and re.search(r"image0\.png: [abc] \d\.\d{3}", plain)
