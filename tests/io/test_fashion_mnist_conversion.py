"""Fashion-MNIST's photo conversion (Xiao et al. 2017, §2) as the preprocessor's photo path."""

import io

import numpy as np
import pytest
from PIL import Image

from kerasvision.io.image_preprocessor import ImagePreprocessor

SIZE = (28, 28)


def item():
    """A Fashion-MNIST-style item: a light bag with a handle on black, filling the 28 rows as
    the conversion makes every item fill its longest edge."""
    pixels = np.zeros((28, 28), np.uint8)
    pixels[8:28, 4:24] = 180
    pixels[0:8, 9:19] = 120
    pixels[3:8, 12:16] = 0
    return pixels


def product_photo(pixels, canvas=(300, 420), side=200, at=(30, 170), tint=(40, 10, 90),
                  quality=90):
    """The item dark on white, tinted, enlarged, off centre, as JPEG bytes."""
    amount = pixels.astype(np.float32)[..., None] / 255.0
    rgb = 255.0 - amount * (255.0 - np.array(tint, np.float32))
    garment = Image.fromarray(np.round(rgb).astype(np.uint8)).resize((side, side),
                                                                     Image.BICUBIC)
    photo = Image.new("RGB", (canvas[1], canvas[0]), (255, 255, 255))
    photo.paste(garment, (at[1], at[0]))
    buf = io.BytesIO()
    photo.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


@pytest.fixture(scope="module")
def converting():
    return ImagePreprocessor(SIZE, 1, photo_conversion="fashion_mnist")


def read(data):
    from kerasvision.io import read_image

    return read_image(data, channels=1)


def test_a_fashion_mnist_item_is_left_as_it_is(converting):
    pixels = item()[..., None]
    np.testing.assert_array_equal(converting.preprocess([pixels]).pixels[0], pixels)


def test_a_product_photo_becomes_the_item_again(converting):
    original = item().astype(np.float32)
    photo = read(product_photo(item(), tint=(0, 0, 0)))
    converted = converting.preprocess([photo]).pixels[0, ..., 0]
    plain = ImagePreprocessor(SIZE, 1).preprocess([photo]).pixels[0, ..., 0]
    # Trimmed to the item, negated back to light on dark, centred: close to the original;
    # the plain stretch of the photo is nothing like it (mostly white).
    assert np.abs(converted - original).mean() < 25
    assert np.abs(plain - original).mean() > 120
    # Dark garment on white -> light on black: the corners are black again.
    assert converted[0, 0] == 0 and converted[-1, -1] == 0
    # 8-bit values: integers in 0–255.
    assert np.array_equal(converted, np.round(converted)) and converted.max() <= 255


def test_the_longest_edge_is_28_and_the_short_edge_is_centred(converting):
    photo = np.full((400, 300), 255, np.uint8)
    photo[50:350, 100:200] = 0  # a dark bar 300 tall, 100 wide
    converted = converting.preprocess([photo]).pixels[0, ..., 0]
    columns = np.flatnonzero(converted.max(axis=0) > 128)
    rows = np.flatnonzero(converted.max(axis=1) > 128)
    assert len(rows) == 28  # the long edge fills the input
    assert len(columns) in (9, 10)  # 100 * 28/300 = 9.3
    left, right = columns[0], 27 - columns[-1]
    assert abs(left - right) <= 1


def test_light_on_dark_photos_keep_their_polarity(converting):
    photo = np.zeros((90, 60), np.uint8)
    photo[10:80, 20:40] = 200
    converted = converting.preprocess([photo]).pixels[0, ..., 0]
    assert converted[0, 0] == 0 and converted.max() >= 200


def test_a_flat_image_is_kept_whole_and_negated_when_light(converting):
    converted = converting.preprocess([np.full((50, 70), 230, np.uint8)]).pixels[0]
    np.testing.assert_array_equal(converted, np.full((28, 28, 1), 25, np.float32))


def test_eager_and_graph_paths_agree_on_photos(converting):
    import tensorflow as tf

    graph_preprocess = tf.function(converting.graph_preprocess)  # traced once
    for data in (product_photo(item()), product_photo(item(), canvas=(170, 600), side=160,
                                                      at=(5, 400), tint=(0, 0, 0))):
        eager = converting.preprocess([read(data)]).pixels[0]
        graph, size = graph_preprocess(tf.constant(data))
        np.testing.assert_array_equal(graph.numpy(), eager)
        assert list(size.numpy()) == list(read(data).shape[:2])


def test_without_the_option_nothing_changes():
    photo = read(product_photo(item()))
    plain = ImagePreprocessor(SIZE, 1)
    expected = ImagePreprocessor(SIZE, 1, photo_conversion=None).preprocess([photo]).pixels
    np.testing.assert_array_equal(plain.preprocess([photo]).pixels, expected)
    assert "photo_conversion" not in plain.get_config()


def test_the_option_is_part_of_the_config(converting):
    config = converting.get_config()
    assert config["photo_conversion"] == "fashion_mnist"
    assert ImagePreprocessor.from_config(config) == converting
    assert converting != ImagePreprocessor(SIZE, 1)
    with pytest.raises(ValueError, match="photo_conversion"):
        ImagePreprocessor(SIZE, 1, photo_conversion="mnist")


def test_sharpening_is_unsharp_masking_with_a_unit_gaussian():
    import tensorflow as tf

    from kerasvision.io.fashion_mnist_conversion import sharpen

    image = np.zeros((5, 5, 1), np.float32)
    image[2, 2] = 100.0
    out = sharpen(tf.constant(image)).numpy()[..., 0]
    # The 3x3 Gaussian of standard deviation 1, normalised (§2: radius and sigma 1.0):
    taps = np.exp(-np.arange(-1, 2) ** 2 / 2.0)
    kernel = np.outer(taps, taps) / taps.sum() ** 2
    assert out[2, 2] == pytest.approx(200 - 100 * kernel[1, 1], abs=1e-3)
    assert out[1, 2] == 0.0  # 0 - 100 * kernel[0, 1] < 0 is clipped to 0
