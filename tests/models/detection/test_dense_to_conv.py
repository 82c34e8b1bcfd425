"""dense_to_conv: one convolutional pass scores every window as the classifier scores its crop
(LeCun et al. 1998 §VII.A; Sermanet et al., OverFeat, ICLR 2014 §3.5), the lecture's
shared-computation claim."""

import numpy as np
import pytest

import keras

from kerasvision.models.detection.dense_to_conv import (UnsupportedLayerError, dense_to_conv,
                                                         layer_chain, sliding_geometry)
from kerasvision.registry import build_tiny


def crop_loop_scores(classifier, image, geometry):
    """The classifier on every window's crop, one by one as the lecture writes it: (H', W', K)."""
    rows, cols = geometry.map_size(*image.shape[:2])
    scores = np.zeros((rows, cols, classifier.outputs[0].shape[-1]), "float32")
    for i in range(rows):
        for j in range(cols):
            x1, y1, x2, y2 = geometry.box(i, j)
            scores[i, j] = np.asarray(classifier(image[None, y1:y2, x1:x2], training=False))[0]
    return scores


def randomize_batch_norm(model, rng):
    # Fresh BN statistics are the identity; random ones make the copy of weights count.
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32")
                               for w in layer.get_weights()])


def valid_chain(flatten_side=3):
    """LeNet/VGG-like chain, unpadded: conv-BN-ReLU-pool twice, a flatten of a
    `flatten_side`^2 map (a real kernel reshape), Dense-Dropout-Dense-softmax."""
    side = 4 * flatten_side + 6  # 3x3 conv, /2, 3x3 conv, /2
    inputs = keras.Input((side, side, 3))
    x = keras.layers.Conv2D(6, 3, name="conv1")(inputs)
    x = keras.layers.BatchNormalization(name="bn1")(x)
    x = keras.layers.ReLU(name="relu1")(x)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = keras.layers.Conv2D(8, 3, activation="relu", name="conv2")(x)
    x = keras.layers.AveragePooling2D(2, name="pool2")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(16, activation="relu", name="fc1")(x)
    x = keras.layers.Dropout(0.5, name="fc1_dropout")(x)
    x = keras.layers.Dense(5, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, x, name="valid_chain")
    randomize_batch_norm(model, np.random.default_rng(1))
    return model


def image_larger_than(classifier, extra, seed=0):
    h, w, c = classifier.inputs[0].shape[1:]
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 1.0, (h + extra[0], w + extra[1], c)).astype("float32")


def assert_map_equals_crop_loop(classifier, extra=(9, 14), atol=1e-5):
    geometry = sliding_geometry(classifier)
    assert geometry.exact, geometry.caveats
    image = image_larger_than(classifier, extra)
    score_map = np.asarray(dense_to_conv(classifier)(image[None]))[0]
    rows, cols = geometry.map_size(*image.shape[:2])
    assert score_map.shape[0] - rows in (0, 1) and score_map.shape[1] - cols in (0, 1)
    np.testing.assert_allclose(score_map[:rows, :cols],
                               crop_loop_scores(classifier, image, geometry),
                               atol=atol, rtol=1e-5)
    return score_map


def test_score_map_equals_crop_loop_on_an_unpadded_chain():
    keras.utils.set_random_seed(0)
    classifier = valid_chain()
    geometry = sliding_geometry(classifier)
    assert geometry.window == (18, 18) and geometry.stride == (4, 4)
    # 9 and 14 extra pixels: 3 x 4 further positions, and a remainder the windows skip.
    score_map = assert_map_equals_crop_loop(classifier, extra=(9, 14))
    assert score_map.shape == (3, 4, 5)
    np.testing.assert_allclose(score_map.sum(-1), 1.0, atol=1e-5)  # softmax over channels


def test_published_lenet5_is_a_space_displacement_network():
    # LeCun et al. 1998 §VII.A: LeNet-5 replicated over a wider field. The published network
    # (trainable subsampling, Table I's partial C3, RBF output) converts exactly, stride 4.
    keras.utils.set_random_seed(0)
    lenet = build_tiny("lenet5")
    assert sliding_geometry(lenet).stride == (4, 4)
    assert_map_equals_crop_loop(lenet, extra=(8, 12))


def test_sequential_model_with_global_pooling_top():
    keras.utils.set_random_seed(0)
    classifier = keras.Sequential([
        keras.Input((12, 10, 2)),
        keras.layers.Conv2D(4, 3, strides=2, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(3),
        keras.layers.Softmax(),
    ])
    assert sliding_geometry(classifier).stride == (2, 2)
    assert_map_equals_crop_loop(classifier, extra=(5, 6))


def test_nested_model_with_rescaling_in_front():
    # An ImageClassifier's model: pixels -> Rescaling -> a registered network (nested here).
    keras.utils.set_random_seed(0)
    inner = valid_chain(flatten_side=2)
    pixels = keras.Input(inner.inputs[0].shape[1:], name="pixels")
    classifier = keras.Model(pixels, inner(keras.layers.Rescaling(1 / 255.0)(pixels)))
    assert [type(l).__name__ for l in layer_chain(classifier)][:2] == ["Rescaling", "Conv2D"]
    assert_map_equals_crop_loop(classifier, extra=(4, 8))


@pytest.mark.parametrize("name", ["vgg11", "alexnet"])
def test_padded_registered_classifiers_convert_but_are_not_exact(name):
    # Their "same" convolutions see zeros at a crop's border but pixels inside a larger image:
    # the map is the OverFeat approximation, exact only where the image is the window.
    keras.utils.set_random_seed(0)
    classifier = build_tiny(name, classes=4)
    geometry = sliding_geometry(classifier)
    assert not geometry.exact and geometry.caveats
    assert geometry.stride == (32, 32)  # VGG: five 2x2 poolings; AlexNet: 4 x 2 x 2 x 2
    conv = dense_to_conv(classifier)
    window = image_larger_than(classifier, (0, 0))
    np.testing.assert_allclose(np.asarray(conv(window[None]))[0, 0, 0],
                               np.asarray(classifier(window[None]))[0], atol=1e-5)
    larger = image_larger_than(classifier, (64, 32))
    rows, cols, classes = np.asarray(conv(larger[None])).shape[1:]
    assert classes == 4 and rows > cols > 1


def test_weights_are_copied_not_shared():
    classifier = valid_chain()
    conv = dense_to_conv(classifier)
    assert not {id(w) for w in conv.weights} & {id(w) for w in classifier.weights}
    assert len(conv.weights) == len(classifier.weights)


def test_geometry_maps_positions_to_pixel_windows():
    geometry = sliding_geometry(valid_chain())
    assert geometry.box(2, 3) == (12, 8, 30, 26)
    np.testing.assert_array_equal(geometry.boxes(3, 4)[4 * 2 + 3], [12, 8, 30, 26])


def test_residual_sum_is_refused():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(3, 3, padding="same")(inputs)
    x = keras.layers.Add(name="residual")([x, inputs])
    x = keras.layers.Dense(2)(keras.layers.Flatten()(x))
    with pytest.raises(UnsupportedLayerError, match="'residual' takes 2 inputs"):
        dense_to_conv(keras.Model(inputs, x))


@pytest.mark.parametrize("layer, match", [
    (keras.layers.Reshape((2, 36), name="regroup"), "'regroup' \\(Reshape\\).*after the flatten"),
    (keras.layers.LayerNormalization(name="norm"), "'norm' \\(LayerNormalization\\)"),
])
def test_unknown_top_layer_is_named(layer, match):
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Flatten()(keras.layers.Conv2D(2, 3)(inputs))
    x = keras.layers.Dense(2)(layer(x))
    with pytest.raises(UnsupportedLayerError, match=match):
        dense_to_conv(keras.Model(inputs, x))


def test_classifier_without_a_fully_connected_top_is_refused():
    inputs = keras.Input((8, 8, 3))
    with pytest.raises(UnsupportedLayerError, match="no Flatten or global pooling"):
        dense_to_conv(keras.Model(inputs, keras.layers.Conv2D(2, 3)(inputs)))
