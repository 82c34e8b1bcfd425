"""The patch classifier pipeline: each pixel's scores are the classifier's on the patch centred
on it (checked against patches cut by hand), the border padding modes, the stride's nearest
up-sampling, save/load, and a fit that separates two textures (the registered name also runs
the pipeline contract in tests/test_contract.py)."""

import types

import numpy as np
import pytest

import keras

from kerasvision.models.contracts.segmentation import check_segmentation_scores
from kerasvision.models.segmentation.patch_classifier import (PatchClassifierSegmenter,
                                                              sampled_positions)
from kerasvision.registry import build_tiny


def small_cnn(patch, channels=2, classes=3, seed=0, activation="softmax"):
    """An unpadded CNN with a Flatten + Dense top on `patch` x `patch` inputs."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input((patch, patch, channels)),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(classes, activation=activation),
    ])


def pixel_picker(patch, row, col, channels=1):
    """A linear 'classifier' whose two scores are the patch's pixel (row, col) and its
    negative: it shows which image pixel a patch position reads."""
    inputs = keras.Input((patch, patch, channels))
    dense = keras.layers.Dense(2)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    kernel = np.zeros((patch * patch * channels, 2), "float32")
    index = (row * patch + col) * channels  # Flatten's (row, column, channel) order
    kernel[index] = (1.0, -1.0)
    dense.set_weights([kernel, np.zeros(2, "float32")])
    return model


def random_image(height, width, channels, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (height, width, channels)).astype("float32")


@pytest.mark.parametrize("patch", [7, 8])
@pytest.mark.parametrize("padding", ["reflect", "constant"])
def test_each_pixels_scores_are_the_classifier_on_its_centred_patch(patch, padding):
    classifier = small_cnn(patch)
    image = random_image(10, 13, 2)
    segmenter = PatchClassifierSegmenter(classifier, padding=padding, pad_value=0.5,
                                         batch_size=37)  # batches end mid-row
    scores = segmenter.predict(image[None])[0]
    check_segmentation_scores(scores[None], (1, 10, 13), 3, probabilities=True)
    # The patch of pixel (i, j) cut by hand: rows i - patch // 2 .. i - patch // 2 + patch - 1
    # of the image extended by numpy's padding.
    before, after = patch // 2, patch - 1 - patch // 2
    kwargs = {"constant_values": 0.5} if padding == "constant" else {}
    padded = np.pad(image, ((before, after), (before, after), (0, 0)), mode=padding, **kwargs)
    patches = np.stack([padded[i:i + patch, j:j + patch] for i in range(10) for j in range(13)])
    direct = np.asarray(classifier(patches, training=False)).reshape(10, 13, 3)
    np.testing.assert_allclose(scores, direct, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("patch", [5, 6])
def test_the_pixel_sits_at_the_patch_centre(patch):
    # The centre of an even patch is the lower-right of its four central pixels.
    image = random_image(9, 11, 1)
    segmenter = PatchClassifierSegmenter(pixel_picker(patch, patch // 2, patch // 2))
    scores = segmenter.predict(image[None])[0]
    np.testing.assert_allclose(scores[..., 0], image[..., 0], atol=1e-6)
    np.testing.assert_allclose(scores[..., 1], -image[..., 0], atol=1e-6)


def test_border_patches_read_the_padding():
    patch, height, width = 7, 9, 10  # 3 pixels of padding on each side
    image = random_image(height, width, 1)

    def top_left_reads(padding):
        segmenter = PatchClassifierSegmenter(pixel_picker(patch, 0, 0), padding=padding,
                                             pad_value=-2.0)
        return segmenter.predict(image[None])[0, ..., 0]

    # At pixel (0, 0) the patch's top-left pixel lies 3 rows and columns outside the image.
    assert top_left_reads("constant")[0, 0] == -2.0
    # reflect mirrors about the edge pixel (row -k is row k), symmetric repeats it (row -k is
    # row k - 1), edge copies it.
    assert top_left_reads("reflect")[0, 0] == pytest.approx(image[3, 3, 0])
    assert top_left_reads("symmetric")[0, 0] == pytest.approx(image[2, 2, 0])
    assert top_left_reads("edge")[0, 0] == pytest.approx(image[0, 0, 0])
    # Three pixels in, the patch is inside the image whatever the padding.
    for padding in ("constant", "reflect"):
        assert top_left_reads(padding)[3, 3] == pytest.approx(image[0, 0, 0])
    # The bottom-right corner's patch reaches 3 rows past the last: mirrored, row H - 1 - 3.
    segmenter = PatchClassifierSegmenter(pixel_picker(patch, patch - 1, patch - 1))
    assert segmenter.predict(image[None])[0, -1, -1, 0] == pytest.approx(image[-4, -4, 0])


def test_stride_classifies_one_pixel_per_block_and_copies_it_to_the_block():
    image = random_image(10, 11, 1)
    segmenter = PatchClassifierSegmenter(pixel_picker(5, 2, 2), stride=3)
    scores = segmenter.predict(image[None])[0, ..., 0]
    # Rows 1, 4, 7 and the last block's 9 (10 would be outside); columns 1, 4, 7, 10.
    np.testing.assert_array_equal(sampled_positions(10, 3), [1, 4, 7, 9])
    np.testing.assert_array_equal(sampled_positions(11, 3), [1, 4, 7, 10])
    rows, cols = sampled_positions(10, 3), sampled_positions(11, 3)
    want = image[rows[np.arange(10) // 3]][:, cols[np.arange(11) // 3], 0]
    np.testing.assert_allclose(scores, want, atol=1e-6)
    assert segmenter.classify_pixels(image, rows, rows).shape == (4, 2)


def test_logits_are_softmaxed_on_request():
    classifier = small_cnn(5, activation=None)
    image = random_image(6, 6, 2)
    probabilities = PatchClassifierSegmenter(classifier, from_logits=True).predict(image[None])
    logits = PatchClassifierSegmenter(classifier).predict(image[None])
    np.testing.assert_allclose(probabilities, keras.ops.softmax(logits, axis=-1), atol=1e-6)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-5)


def test_save_and_load_predict_identically(tmp_path):
    segmenter = PatchClassifierSegmenter(small_cnn(8), stride=2, padding="constant",
                                         pad_value=0.25, batch_size=50)
    images = np.stack([random_image(12, 9, 2, seed) for seed in range(2)])
    segmenter.save(tmp_path / "saved")
    loaded = PatchClassifierSegmenter.load(tmp_path / "saved")
    assert loaded.settings() == segmenter.settings()
    np.testing.assert_array_equal(loaded.predict(images), segmenter.predict(images))
    # A saved pipeline is never overwritten, and a refused save leaves no scratch directory.
    with pytest.raises(FileExistsError):
        segmenter.save(tmp_path / "saved")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved"]


def test_classifier_forms_and_settings_are_checked():
    classifier = small_cnn(5)
    task = types.SimpleNamespace(model=classifier)  # an ImageClassifier holds its model so
    assert PatchClassifierSegmenter(task).classifier is classifier
    with pytest.raises(ValueError, match="padding"):
        PatchClassifierSegmenter(classifier, padding="wrap")
    with pytest.raises(ValueError, match="stride"):
        PatchClassifierSegmenter(classifier, stride=0)
    with pytest.raises(ValueError, match="image"):
        PatchClassifierSegmenter(classifier).predict(np.zeros((1, 6, 6, 3), "float32"))


def test_registered_tiny_variant_is_lenet_on_32_pixel_patches():
    segmenter = build_tiny("patch_classifier")
    assert segmenter.patch_shape == (32, 32)
    assert segmenter.num_classes == 3
    assert segmenter.stride == 4


def test_balanced_sampling_gives_each_class_an_equal_share_and_skips_void():
    segmenter = PatchClassifierSegmenter(small_cnn(5, classes=2))
    mask = np.zeros((20, 20), "int32")
    mask[:2, :5] = 1  # 10 pixels of class 1 among 390 of class 0
    mask[10:, :] = 255  # void: never sampled
    image = random_image(20, 20, 2)
    patches, labels = segmenter.training_patches([image], [mask], patches_per_image=100)
    assert patches.shape == (100, 5, 5, 2)
    assert np.bincount(labels).tolist() == [50, 50]
    patches, labels = segmenter.training_patches([image], [mask], patches_per_image=100,
                                                 balanced=False)
    assert set(labels.tolist()) <= {0, 1} and len(labels) == 100
    assert np.sum(labels == 1) <= 10  # drawn without replacement: at most the 10 there are


def stripes_scene(rng, size=24):
    """Horizontal stripes left of a random column, vertical stripes right of it: the same
    mean brightness, so only a patch's texture tells the regions apart."""
    split = rng.integers(size // 4, 3 * size // 4)
    rows, cols = np.mgrid[:size, :size]
    horizontal, vertical = (rows // 2) % 2, (cols // 2) % 2
    mask = (cols >= split).astype("int32")
    image = np.where(mask == 1, vertical, horizontal).astype("float32")
    image += rng.normal(0, 0.1, image.shape).astype("float32")
    return image[..., None], mask


def test_fit_on_patches_separates_two_textures():
    rng = np.random.default_rng(0)
    train = [stripes_scene(rng) for _ in range(4)]
    keras.utils.set_random_seed(0)
    segmenter = PatchClassifierSegmenter(small_cnn(9, channels=1, classes=2), batch_size=1024)
    history = segmenter.fit([im for im, _ in train], [m for _, m in train],
                            patches_per_image=400, epochs=8, batch_size=32)
    assert history.history["loss"][-1] < history.history["loss"][0]
    image, mask = stripes_scene(rng)
    predicted = segmenter.predict(image[None])[0].argmax(-1)
    accuracy = np.mean(predicted == mask)
    # Away from the boundary (more than half a patch) every patch sees one texture only.
    split = int(np.argmax(mask[0]))
    interior = np.abs(np.arange(24) - split + 0.5) > 5
    interior_accuracy = np.mean((predicted == mask)[:, interior])
    assert accuracy >= 0.85, accuracy
    assert interior_accuracy >= 0.95, interior_accuracy
