"""The serving signature's batched preprocessing: the fast path for plain model-size PNGs
gives the general per-image path's pixels bit for bit, and other batches take the general
path (kerasvision/io/graph_batch_preprocessing.py)."""

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from kerasvision.io.graph_batch_preprocessing import plain_model_size_pngs
from kerasvision.io.image_preprocessor import ImagePreprocessor


def encoded(array, format="PNG", **save):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=format, **save)
    return buffer.getvalue()


def items(count, size=(28, 28), seed=0):
    """Fashion-MNIST-like grey items: dark corners, bright middle."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 40, (count, *size), dtype=np.uint8)
    images[:, 6:-6, 6:-6] = rng.integers(100, 256, (count, size[0] - 12, size[1] - 12))
    return [encoded(image) for image in images]


def per_image(preprocessor, batch):
    pixels, sizes = zip(*(preprocessor.graph_preprocess(tf.constant(b)) for b in batch))
    return np.stack(pixels), np.stack(sizes)


@pytest.mark.parametrize("conversion", [None, "fashion_mnist"])
def test_plain_pngs_take_the_fast_path_with_the_general_paths_pixels(conversion):
    preprocessor = ImagePreprocessor((28, 28), channels=1, photo_conversion=conversion)
    batch = items(5)
    assert bool(plain_model_size_pngs(tf.constant(batch), (28, 28), 1))
    pixels, sizes = preprocessor.graph_preprocess_batch(tf.constant(batch))
    expected_pixels, expected_sizes = per_image(preprocessor, batch)
    np.testing.assert_array_equal(pixels.numpy(), expected_pixels)
    np.testing.assert_array_equal(sizes.numpy(), expected_sizes)
    assert sizes.numpy().tolist() == [[28, 28]] * 5


@pytest.mark.parametrize("odd_one", [
    encoded(np.full((30, 28), 10, np.uint8)),  # another size
    encoded(np.full((28, 28, 3), 10, np.uint8)),  # RGB for a grey model
    encoded(np.full((28, 28), 10, np.uint8), format="JPEG"),  # not a PNG
    encoded(np.full((28, 28), 10, np.uint8), transparency=10),  # a tRNS colour key
])
def test_one_other_image_sends_the_batch_down_the_general_path(odd_one):
    batch = tf.constant(items(3) + [odd_one])
    assert not bool(plain_model_size_pngs(batch, (28, 28), 1))
    preprocessor = ImagePreprocessor((28, 28), channels=1)
    pixels, sizes = preprocessor.graph_preprocess_batch(batch)
    expected_pixels, expected_sizes = per_image(preprocessor, batch.numpy())
    np.testing.assert_array_equal(pixels.numpy(), expected_pixels)
    np.testing.assert_array_equal(sizes.numpy(), expected_sizes)


def test_a_light_background_item_is_still_converted_as_a_photo():
    # Model-size plain PNGs, but one has a white background: the conversion must run on it.
    light = np.full((28, 28), 250, np.uint8)
    light[8:20, 8:20] = 30
    batch = items(2) + [encoded(light)]
    preprocessor = ImagePreprocessor((28, 28), channels=1, photo_conversion="fashion_mnist")
    pixels, _ = preprocessor.graph_preprocess_batch(tf.constant(batch))
    expected, _ = per_image(preprocessor, batch)
    np.testing.assert_array_equal(pixels.numpy(), expected)
    # Converted: the dark item, trimmed, fills the canvas and is negated to light.
    assert pixels.numpy()[2].min() > 200 and not np.array_equal(pixels.numpy()[2, ..., 0], light)


def test_inside_a_traced_function_and_on_an_empty_batch():
    preprocessor = ImagePreprocessor((28, 28), channels=1)
    traced = tf.function(preprocessor.graph_preprocess_batch,
                         input_signature=[tf.TensorSpec([None], tf.string)])
    pixels, sizes = traced(tf.constant(items(2)))
    assert pixels.shape == (2, 28, 28, 1) and sizes.shape == (2, 2)
    empty_pixels, empty_sizes = traced(tf.constant([], tf.string))
    assert empty_pixels.shape == (0, 28, 28, 1) and empty_sizes.shape == (0, 2)


@pytest.mark.parametrize("conversion", [None, "fashion_mnist"])
def test_eager_preprocess_of_model_size_images_equals_the_per_image_path(conversion):
    preprocessor = ImagePreprocessor((28, 28), channels=1, photo_conversion=conversion)
    images = [np.asarray(Image.open(io.BytesIO(b))) for b in items(4)]
    light = np.full((28, 28), 250, np.uint8)
    light[8:20, 8:20] = 30
    for batch in (images, images + [light]):  # the light one: converted as a photo, or not
        fast = preprocessor.preprocess(batch)
        place = preprocessor._traced_place()
        general = [place(preprocessor._with_channels(image)) for image in batch]
        np.testing.assert_array_equal(fast.pixels, np.stack([g[0] for g in general]))
        np.testing.assert_array_equal(fast.original_sizes, [[28, 28]] * len(batch))
        np.testing.assert_allclose(fast.scales, np.stack([g[2] for g in general]))
        np.testing.assert_allclose(fast.offsets, np.stack([g[3] for g in general]))
