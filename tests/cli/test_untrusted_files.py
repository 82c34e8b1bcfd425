"""Untrusted model files through the CLI: code in a .keras file is refused, and legacy .h5
weights load only with --trust-model."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

CLASS_NAMES = ["zero", "one", "two"]


def run_cli(*args, cwd):
    command = [sys.executable, "-m", "kerasvision.cli.main", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=300,
                          env=dict(os.environ, PYTHONWARNINGS="ignore"))


def tiny(seed):
    import keras

    from kerasvision.tasks.image_classifier import ImageClassifier

    keras.utils.set_random_seed(seed)
    return ImageClassifier.from_architecture("wrn_16_2", (28, 28, 1), CLASS_NAMES, width=1,
                                             depth=10)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A tiny model, legacy .h5 weights of a differently seeded twin, a Lambda model, an image."""
    import keras

    root = tmp_path_factory.mktemp("untrusted")
    model, twin = tiny(0), tiny(1)
    model.save(root / "tiny.keras")
    twin.model.save(root / "twin.h5")  # legacy HDF5: the format that can carry code
    pixels = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    Image.fromarray(pixels).save(root / "shoe.png")

    inputs = keras.Input((28, 28, 1))
    # A Lambda runs arbitrary Python at load time in unsafe mode: the attack being refused.
    hidden = keras.layers.Lambda(lambda x: x * 2.0)(keras.layers.Flatten()(inputs))
    keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden)).save(
        root / "lambda.keras")
    batch = pixels[None, ..., None].astype("float32")
    return {"root": root, "twin_scores": twin.model.predict(batch, verbose=0)[0],
            "own_scores": model.model.predict(batch, verbose=0)[0]}


def assert_one_line_error(result, *words):
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kerasvision: error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_keras_file_holding_a_lambda_is_refused(files):
    root = files["root"]
    result = run_cli("classify", "shoe.png", "--model", "lambda.keras", cwd=root)
    assert_one_line_error(result, "lambda.keras: refused, the file holds code",
                          "safe mode")


def test_legacy_h5_weights_refused_without_trust_model(files):
    root = files["root"]
    result = run_cli("classify", "shoe.png", "--model", "tiny.keras", "--weights", "twin.h5",
                     cwd=root)
    assert_one_line_error(result, "twin.h5: legacy .h5 file refused; pass --trust-model")


def test_legacy_h5_weights_load_with_trust_model(files):
    root = files["root"]
    result = run_cli("classify", "shoe.png", "--model", "tiny.keras", "--weights", "twin.h5",
                     "--trust-model", "--json", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [entry] = json.loads(result.stdout)
    scores = {p["class_id"]: p["score"] for p in entry["predictions"]}
    # The twin's weights, not tiny.keras's own, made these scores.
    assert np.abs(files["own_scores"] - files["twin_scores"]).max() > 1e-2
    np.testing.assert_allclose([scores[i] for i in range(3)], files["twin_scores"], atol=1e-4)
