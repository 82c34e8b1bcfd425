"""top_patches: boxes from a hand-computed receptive field, brute-force top-k, 1x1 fields."""

import numpy as np
import pytest
from PIL import Image

import keras

from kerasvision.inspect.layer_choice import layer_probe
from kerasvision.inspect.maximal_patches import patch_pixels, plot_top_patches, top_patches

L = keras.layers


@pytest.fixture(scope="module")
def small_net():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((20, 20, 3))
    x = L.Conv2D(4, 3, activation="relu", name="c1")(inputs)  # valid
    x = L.MaxPooling2D(2, name="pool")(x)
    x = L.Conv2D(5, 3, name="c2")(x)
    x = L.Conv2D(3, 1, name="c3_1x1")(x)
    x = L.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, L.Dense(2)(x))


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(0, 255, (12, 20, 20, 3)).astype("float32")


def test_boxes_equal_the_hand_computed_field(small_net, images):
    # c1: 3 px, jump 1, first centre 1; pool: 4 px, jump 2, centre 1.5; c2: 4 + 2*2 = 8 px,
    # jump 2, centre 1.5 + 2 = 3.5, so unit (i, j) sees rows 2i..2i+7, columns 2j..2j+7.
    name, found = top_patches(small_net, images, layer_name="c2", filters=5, top=4)
    assert name == "c2" and len(found) == 5 and all(len(p) == 4 for p in found)
    for patch in (p for per_filter in found for p in per_filter):
        i, j = patch.position
        assert patch.full_box == ((2 * i, 2 * i + 7), (2 * j, 2 * j + 7))
        assert patch.box == patch.full_box  # valid convolutions never leave the image


def test_default_layer_is_the_last_convolution(small_net, images):
    name, _ = top_patches(small_net, images, filters=1, top=1)
    assert name == "c3_1x1"


def test_patches_are_the_brute_force_maxima(small_net, images):
    _, found = top_patches(small_net, images, layer_name="c2", filters=[1, 4], top=7)
    maps = np.asarray(layer_probe(small_net, small_net.get_layer("c2")).predict(images,
                                                                                verbose=0))
    for per_filter, f in zip(found, (1, 4)):
        values = maps[..., f]
        order = np.argsort(-values.reshape(-1), kind="stable")[:7]
        want = [np.unravel_index(k, values.shape) for k in order]
        got = [(p.image_index, *p.position) for p in per_filter]
        np.testing.assert_allclose([p.activation for p in per_filter],
                                   [values[w] for w in want], rtol=1e-6)
        assert set(got) == {tuple(int(v) for v in w) for w in want}
        assert all(p.filter == f for p in per_filter)


def test_one_by_one_field_gives_single_pixels(images):
    inputs = keras.Input((20, 20, 3))
    model = keras.Model(inputs, L.Conv2D(2, 1, name="pixelwise")(inputs))
    _, found = top_patches(model, images, filters=2, top=5)
    for patch in found[0]:
        i, j = patch.position
        assert patch.box == ((i, i), (j, j))
        shown = images[patch.image_index] / 255.0
        np.testing.assert_allclose(patch_pixels(shown, patch), shown[i:i + 1, j:j + 1])


def test_fields_are_cut_at_the_border():
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, L.Conv2D(1, 5, padding="same", use_bias=False,
                                         kernel_initializer="ones", name="blur")(inputs))
    image = np.zeros((1, 8, 8, 1), "float32")
    image[0, 0, 0] = 100.0  # only the corner units see it
    _, found = top_patches(model, image, top=9)
    # Exactly the 3x3 corner units see the bright pixel (a 5x5 field centred on them).
    assert {p.position for p in found[0]} == {(i, j) for i in range(3) for j in range(3)}
    assert all(p.activation == 100.0 for p in found[0])
    corner = next(p for p in found[0] if p.position == (0, 0))
    assert corner.full_box == ((-2, 2), (-2, 2)) and corner.box == ((0, 2), (0, 2))
    canvas = patch_pixels(image[0] / 100.0, corner)
    assert canvas.shape == (5, 5, 1)
    assert np.all(canvas[:2] == 0.5) and np.all(canvas[:, :2] == 0.5)  # the cut part is grey
    assert canvas[2, 2, 0] == 1.0  # the image corner sits at the field's centre


def test_png_is_written(small_net, images, tmp_path):
    _, found = top_patches(small_net, images, layer_name="c2", filters=3, top=4)
    path = tmp_path / "patches.png"
    plot_top_patches(found, images, path, layer_name="c2")
    with Image.open(path) as png:
        assert png.format == "PNG" and png.size[0] > 200 and png.size[1] > 150
        assert np.asarray(png.convert("L")).std() > 5  # not a blank canvas


def test_layer_without_spatial_output_is_refused(small_net, images):
    with pytest.raises(ValueError, match="no top-level layer 'nope'"):
        top_patches(small_net, images, layer_name="nope")
    with pytest.raises(ValueError, match="no 2-D spatial output"):
        top_patches(small_net, images, layer_name=small_net.layers[-1].name)
