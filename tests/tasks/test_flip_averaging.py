"""Flip averaging: symmetric in the mirror, equal to the mean of the two passes, labels kept."""

import numpy as np

from kerasvision.layers.horizontal_flip import HorizontalFlip
from kerasvision.tasks.flip_averaging import with_flip_averaging
from kerasvision.tasks.image_classifier import ImageClassifier


def test_horizontal_flip_is_numpy_fliplr():
    x = np.arange(2 * 3 * 4 * 1, dtype="float32").reshape(2, 3, 4, 1)
    np.testing.assert_array_equal(np.asarray(HorizontalFlip()(x)), x[:, :, ::-1])


def test_flip_average_is_the_mean_and_mirror_invariant(tiny_classifier, ramp_images, tmp_path):
    tta = with_flip_averaging(tiny_classifier.model)
    x = ramp_images.astype("float32")
    plain = np.asarray(tiny_classifier.model(x))
    mirrored = np.asarray(tiny_classifier.model(x[:, :, ::-1]))
    np.testing.assert_allclose(np.asarray(tta(x)), (plain + mirrored) / 2, atol=1e-6)
    np.testing.assert_allclose(np.asarray(tta(x)), np.asarray(tta(x[:, :, ::-1])), atol=1e-6)
    clf = ImageClassifier(tta, tiny_classifier.class_names)  # names are task metadata
    clf.save(tmp_path / "tta.keras")
    assert ImageClassifier.load(tmp_path / "tta.keras").class_names == clf.class_names


def test_inspection_looks_inside_the_wrapper(tiny_classifier, tmp_path):
    from kerasvision.inspect.model_source import load_model

    ImageClassifier(with_flip_averaging(tiny_classifier.model)).save(tmp_path / "tta.keras")
    inner = load_model(str(tmp_path / "tta.keras"))
    assert [l.name for l in inner.layers] == [l.name for l in tiny_classifier.model.layers]
