"""Activation maps, first-layer filters, the receptive-field plot, training curves and the
confusion matrix: values checked, PNGs written and readable."""

import numpy as np
import pytest
from PIL import Image

import keras

from kerasvision.inspect.confusion_matrix_plot import plot_confusion_matrix
from kerasvision.inspect.feature_maps import activation_maps, plot_activation_maps
from kerasvision.inspect.filter_images import first_layer_filters, plot_first_layer_filters
from kerasvision.inspect.history_plot import plot_history
from kerasvision.inspect.receptive_field_plot import plot_receptive_field, receptive_field_curve

L = keras.layers


def _png(path):
    with Image.open(path) as png:
        assert png.format == "PNG"
        pixels = np.asarray(png.convert("L"))
    assert pixels.std() > 5  # something was drawn
    return pixels.shape


@pytest.fixture(scope="module")
def rgb_net():
    keras.utils.set_random_seed(5)
    inputs = keras.Input((16, 16, 3))
    x = L.Conv2D(6, 5, padding="same", name="first")(inputs)
    x = L.Conv2D(4, 3, strides=2, padding="same", name="second")(x)
    x = L.Conv2D(4, 3, strides=2, padding="same", name="third")(x)
    return keras.Model(inputs, L.Dense(3)(L.Flatten()(x)))


def test_activation_maps_equal_the_layer_output(rgb_net, tmp_path):
    image = np.random.default_rng(0).uniform(0, 255, (16, 16, 3)).astype("float32")
    name, maps = activation_maps(rgb_net, image, "second")
    want = keras.Model(rgb_net.inputs[0], rgb_net.get_layer("second").output)(image[None])
    np.testing.assert_allclose(maps, np.asarray(want)[0], rtol=1e-5, atol=1e-4)
    assert name == "second" and maps.shape == (8, 8, 4)
    assert activation_maps(rgb_net, image)[0] == "third"  # default: the last convolution
    plot_activation_maps(maps, tmp_path / "maps.png", image=image, layer_name=name)
    assert _png(tmp_path / "maps.png")[0] > 100


def test_first_layer_filters_keep_zero_at_grey(rgb_net, tmp_path):
    name, filters = first_layer_filters(rgb_net)
    kernel = np.asarray(rgb_net.get_layer("first").kernel)
    assert name == "first" and filters.shape == (6, 5, 5, 3)
    assert filters.min() >= 0 and filters.max() <= 1
    f0 = kernel[..., 0]
    np.testing.assert_allclose(filters[0], 0.5 + 0.5 * f0 / np.abs(f0).max(), rtol=1e-6)
    plot_first_layer_filters(filters, tmp_path / "filters.png", layer_name=name)
    _png(tmp_path / "filters.png")


def test_receptive_field_curve_and_plot(rgb_net, tmp_path):
    curve = receptive_field_curve(rgb_net)
    assert curve[0][1:] == (1, 1)  # the input (its name depends on what was built before)
    assert curve[1:] == [("first", 5, 1), ("second", 7, 2), ("third", 11, 4)]
    plot_receptive_field(rgb_net, tmp_path / "rf.png")
    _png(tmp_path / "rf.png")


def test_history_plot(tmp_path):
    history = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7],
               "accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.45, 0.6, 0.65]}
    path = plot_history(history, tmp_path / "history.png", title="toy")
    height, width = _png(path)
    assert width > height  # loss and accuracy side by side
    plot_history({"loss": [3, 2]}, tmp_path / "loss_only.png")
    _png(tmp_path / "loss_only.png")
    with pytest.raises(ValueError):
        plot_history({}, tmp_path / "empty.png")


def test_confusion_matrix_plot(tmp_path):
    matrix = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    _png(plot_confusion_matrix(matrix, ["cat", "dog", "owl"], tmp_path / "cm.png"))
    _png(plot_confusion_matrix(matrix, ["cat", "dog", "owl"], tmp_path / "cm_norm.png",
                               normalize=True))
    with pytest.raises(ValueError, match="does not match 2 class names"):
        plot_confusion_matrix(matrix, ["a", "b"], tmp_path / "bad.png")
