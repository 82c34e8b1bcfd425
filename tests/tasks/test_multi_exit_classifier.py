"""A multi-exit (anytime) classifier in the application: a tiny `msdnet` (3 exits) through
`ImageClassifier.predict(exit=k)`, `kerasvision classify --exit K` on its `.keras` file and on
its export, and the export's per-exit outputs (docs/multiscale.md, "In the application")."""

import json
from collections import namedtuple

import numpy as np
import pytest
from PIL import Image

from kerasvision.registry import get_spec
from kerasvision.tasks.multi_exit_outputs import (exit_outputs, exit_score_outputs,
                                                  is_multi_exit)

CLASS_NAMES = ["zero", "one", "two", "three"]
EXITS = 3


@pytest.fixture(scope="module")
def classifier():
    import keras

    from kerasvision.tasks.image_classifier import ImageClassifier

    keras.utils.set_random_seed(0)
    tiny = dict(get_spec("msdnet").tiny)
    shape, _ = tiny.pop("input_shape"), tiny.pop("classes")
    clf = ImageClassifier.from_architecture("msdnet", shape, CLASS_NAMES, **tiny)
    assert len(clf.model.outputs) == EXITS
    return clf


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (32, 32, 3)).astype(np.uint8) for _ in range(4)]


@pytest.fixture(scope="module")
def exit_scores(classifier, images):
    """Each exit's probabilities straight from the Keras model, (N, C) per exit."""
    pixels = classifier.preprocess(images)
    return [np.asarray(s) for s in classifier.model(pixels, training=False)]


def top_scores(predictions):
    return np.array([[p.score for p in answer] for answer in predictions])


def test_exit_outputs_picks_one_based_and_defaults_to_the_last():
    a, b = np.zeros((1, 2)), np.ones((1, 2))
    assert exit_outputs([a, b], 1) is a and exit_outputs([a, b]) is b
    assert exit_outputs(a) is a and exit_outputs(a, 1) is a
    with pytest.raises(ValueError, match=r"1\.\.2"):
        exit_outputs([a, b], 3)
    with pytest.raises(ValueError, match=r"1\.\.1"):
        exit_outputs(a, 2)
    # A named tuple is one answer (the classifier's ScoredOutputs), not a list of exits.
    scored = namedtuple("Scored", "probabilities score")(a, b)
    assert not is_multi_exit(scored) and exit_outputs(scored) is scored
    assert exit_score_outputs(a) == {}
    assert list(exit_score_outputs([a, b])) == ["scores_exit_1", "scores_exit_2"]


def test_predict_answers_from_the_chosen_exit(classifier, images, exit_scores):
    # The exits of a random tiny network disagree, so the answers show which exit spoke.
    assert not np.allclose(exit_scores[0], exit_scores[-1], atol=1e-3)
    for k in range(1, EXITS + 1):
        answers = classifier.predict(images, top_k=4, exit=k)
        want = -np.sort(-exit_scores[k - 1], axis=-1)
        np.testing.assert_allclose(top_scores(answers), want, atol=1e-5)
        assert [a[0].class_id for a in answers] == list(exit_scores[k - 1].argmax(-1))
    np.testing.assert_allclose(top_scores(classifier.predict(images, top_k=4)),
                               -np.sort(-exit_scores[-1], axis=-1), atol=1e-5)
    np.testing.assert_allclose(classifier.scores(images, exit=2), exit_scores[1], atol=1e-5)
    with pytest.raises(ValueError, match=r"exit must be in 1\.\.3"):
        classifier.predict(images, exit=4)


def test_evaluate_scores_the_chosen_exit(classifier, images, exit_scores):
    pixels = classifier.preprocess(images)
    labels = exit_scores[0].argmax(-1)  # exit 1 is right on every image by construction
    assert classifier.evaluate(pixels, labels, exit=1)["accuracy"] == 1.0
    last = (exit_scores[-1].argmax(-1) == labels).mean()
    assert classifier.evaluate(pixels, labels)["accuracy"] == pytest.approx(last)


def write_pngs(folder, images):
    folder.mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image).save(folder / f"image_{i}.png")
    return folder


def classify(*args):
    from click.testing import CliRunner

    from kerasvision.cli.main import cli

    return CliRunner().invoke(cli, ["classify", *args], obj={})


def cli_scores(result):
    assert result.exit_code == 0, result.output
    answers = json.loads(result.output)
    return np.array([[p["score"] for p in a["predictions"]] for a in answers])


@pytest.fixture(scope="module")
def saved(classifier, images, tmp_path_factory):
    root = tmp_path_factory.mktemp("multi_exit")
    classifier.save(root / "msdnet.keras")
    return root / "msdnet.keras", write_pngs(root / "images", images)


def test_classify_exit_on_the_keras_file(saved, exit_scores):
    model_file, folder = saved
    for k in (1, EXITS):
        got = cli_scores(classify(str(folder), "--model", str(model_file), "--exit", str(k),
                                  "--top-k", "4", "--json"))
        np.testing.assert_allclose(got, -np.sort(-exit_scores[k - 1], axis=-1), atol=1e-5)
    default = cli_scores(classify(str(folder), "--model", str(model_file), "--top-k", "4",
                                  "--json"))
    np.testing.assert_allclose(default, -np.sort(-exit_scores[-1], axis=-1), atol=1e-5)
    refused = classify(str(folder), "--model", str(model_file), "--exit", "0")
    assert refused.exit_code == 2  # a usage error: exits count from 1


def test_export_keeps_every_exit_as_a_named_output(classifier, images, exit_scores, saved,
                                                   tmp_path):
    import tensorflow as tf

    from kerasvision.tasks.saved_model_classifier import SavedModelClassifier

    version = classifier.export(tmp_path / "msdnet", warmup=False)
    signature = tf.saved_model.load(str(version)).signatures["serving_pixels"]
    served = signature(pixels=tf.constant(classifier.preprocess(images)))
    assert set(served) == {"scores", "classes", "labels",
                           *(f"scores_exit_{k}" for k in range(1, EXITS + 1))}
    for k in range(1, EXITS + 1):
        np.testing.assert_allclose(served[f"scores_exit_{k}"].numpy(), exit_scores[k - 1],
                                   atol=1e-5)
    np.testing.assert_allclose(served["scores"].numpy(), exit_scores[-1], atol=1e-5)
    assert list(served["classes"].numpy()[:, 0]) == list(exit_scores[-1].argmax(-1))

    # The served classifier and `classify --model BASE/ --exit K` read the per-exit outputs.
    reader = SavedModelClassifier(version)
    np.testing.assert_allclose(reader.scores(images, exit=2), exit_scores[1], atol=1e-5)
    with pytest.raises(ValueError, match="no exit 4"):
        reader.scores(images, exit=4)
    _, folder = saved
    got = cli_scores(classify(str(folder), "--model", str(tmp_path / "msdnet"), "--exit", "1",
                              "--top-k", "4", "--json"))
    np.testing.assert_allclose(got, -np.sort(-exit_scores[0], axis=-1), atol=1e-5)
