"""The shipped Fashion-MNIST classifier: found offline, accurate, the same through every door."""

import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from kerasvision.data.fashion_mnist import CLASS_NAMES, load_fashion_mnist
from kerasvision.tasks.shipped_models import DEFAULT_CLASSIFIER, shipped_model_dir
from kerasvision.tasks.saved_model_classifier import resolve_version_dir

# The shipped model's measured test accuracy, 0.9526 (version 3, five views), rounded down
# to 0.1 % (MODEL_CARD.md).
ACCURACY_FLOOR = 0.952


@pytest.fixture(scope="module")
def folder():
    return shipped_model_dir(DEFAULT_CLASSIFIER)


@pytest.fixture(scope="module")
def test_set():
    (_, _), (x, y) = load_fashion_mnist()
    return x[..., None].astype(np.float32), y.astype(np.int64)


@pytest.fixture(scope="module")
def serving(folder):
    import tensorflow as tf

    return tf.saved_model.load(str(resolve_version_dir(folder)))


def test_shipped_folder_has_everything(folder):
    version = resolve_version_dir(folder)
    assert version.name.isdigit()
    for name in ("model.keras", "MODEL_CARD.md", "metrics.json", "training_curve.png"):
        assert (folder / name).is_file(), name
    assert (version / "assets" / "labels.txt").read_text().splitlines() == list(CLASS_NAMES)
    assert (version / "assets.extra" / "tf_serving_warmup_requests").is_file()


def test_saved_model_accuracy_on_the_test_set(serving, test_set, folder):
    x, y = test_set
    signature = serving.signatures["serving_pixels"]
    predicted = np.concatenate([signature(pixels=x[i:i + 1000])["classes"].numpy()[:, 0]
                                for i in range(0, len(x), 1000)])
    accuracy = float((predicted == y).mean())
    recorded = json.loads((folder / "metrics.json").read_text())["test_accuracy"]
    assert accuracy >= ACCURACY_FLOOR
    assert abs(accuracy - recorded) < 1e-3  # the model card tells the truth
    params = json.loads((folder / "metrics.json").read_text())["params"]
    assert params < 1_000_000


def test_image_bytes_signature_agrees_with_pixels(serving, test_set):
    import tensorflow as tf

    x, _ = test_set
    pngs = []
    for image in x[:64]:
        buf = io.BytesIO()
        Image.fromarray(image[..., 0].astype(np.uint8)).save(buf, format="PNG")
        pngs.append(buf.getvalue())
    a = serving.signatures["serving_default"](image_bytes=tf.constant(pngs))["scores"].numpy()
    b = serving.signatures["serving_pixels"](pixels=x[:64])["scores"].numpy()
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_keras_file_and_saved_model_agree(folder, serving, test_set):
    from kerasvision.tasks.image_classifier import ImageClassifier

    x, _ = test_set
    clf = ImageClassifier.load(folder / "model.keras")
    assert clf.class_names == list(CLASS_NAMES)
    a = clf.model.predict(x[:256], verbose=0)
    b = serving.signatures["serving_pixels"](pixels=x[:256])["scores"].numpy()
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_cli_default_model_classifies_the_examples(tmp_path):
    examples = os.path.join(os.path.dirname(__file__), "..", "examples")
    proc = subprocess.run([sys.executable, "-m", "kerasvision.cli.main", "classify", examples,
                           "--json"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    results = json.loads(proc.stdout)
    truth = {"ankle_boot": "Ankle boot", "bag": "Bag", "dress": "Dress", "pullover": "Pullover",
             "sneaker": "Sneaker", "trouser": "Trouser"}
    got = {os.path.basename(r["image"])[:-4]: r["predictions"][0]["label"] for r in results}
    # examples/scene.png is there for `kerasvision detect`; a classifier still answers for it.
    assert set(got) == set(truth) | {"scene"}
    assert {k: got[k] for k in truth} == truth
