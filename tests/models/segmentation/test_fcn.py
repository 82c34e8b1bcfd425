"""FCN-32s/16s/8s (Long, Shelhamer & Darrell, CVPR 2015): alignment, bilinear upsampling,
skip fusion, the receptive field of Table 1 and VGG-16's fc1/fc2 as fc6/fc7."""

import numpy as np
import pytest

import keras

from kerasvision.inspect.layer_receptive_field import receptive_field
from kerasvision.models import build
from kerasvision.models.segmentation.fcn import fcn8s, fcn16s, fcn32s
from kerasvision.models.segmentation.vgg16_weights import transfer_vgg16_weights

TINY = {"classes": 3, "width": 1 / 64}
# (builder, upsampling layers with their factor, the final one last)
UPSAMPLINGS = [(fcn32s, {"upscore32": 32}),
               (fcn16s, {"upscore2": 2, "upscore16": 16}),
               (fcn8s, {"upscore2": 2, "upscore_pool4": 2, "upscore8": 8})]


@pytest.mark.parametrize("builder", [fcn32s, fcn16s, fcn8s])
def test_scores_at_input_size_for_multiples_of_32(builder):
    model = builder(input_shape=(64, 96, 3), **TINY)
    x = np.random.default_rng(0).uniform(0, 255, (2, 64, 96, 3)).astype("float32")
    scores = np.asarray(model(x))
    assert scores.shape == (2, 64, 96, 3)
    # Score layers start at zero (§4.3, "Optimization"): every pixel is uniform at first.
    np.testing.assert_allclose(scores, 1 / 3, atol=1e-6)
    with pytest.raises(ValueError, match="multiples of 32"):
        builder(input_shape=(48, 64, 3), **TINY)


def test_dynamic_size_model_takes_any_multiple_of_32():
    model = fcn8s(**TINY)
    assert model.input_shape == (None, None, None, 3)
    assert model(np.zeros((1, 32, 160, 3), "float32")).shape == (1, 32, 160, 3)


@pytest.mark.parametrize("builder,ups", UPSAMPLINGS)
def test_upsamplings_are_bilinear_interpolation_at_initialisation(builder, ups):
    model = builder(input_shape=(64, 64, 3), **TINY)
    rng = np.random.default_rng(1)
    for name, factor in ups.items():
        layer = model.get_layer(name)
        assert layer.kernel_size == (2 * factor - factor % 2,) * 2 and layer.strides == (
            factor, factor)
        x = rng.normal(size=(1, 6, 5, 3)).astype("float32")
        got = np.asarray(layer(x))
        want = np.asarray(keras.layers.UpSampling2D(factor, interpolation="bilinear")(x))
        # Equal away from the borders, where the transposed convolution sees zero padding.
        inner = (slice(None), slice(factor, -factor), slice(factor, -factor))
        np.testing.assert_allclose(got[inner], want[inner], rtol=1e-5, atol=1e-5)
    # Intermediate upsamplings are learned, the final one fixed (§4.3, "Dense Prediction").
    *intermediate, final = ups
    assert all(model.get_layer(n).trainable for n in intermediate)
    assert not model.get_layer(final).trainable
    assert builder(input_shape=(32, 32, 3), learn_final_upsampling=True,
                   **TINY).get_layer(final).trainable


def test_fcn8s_fuses_pool4_then_pool3_scores():
    model = fcn8s(input_shape=(64, 64, 3), **TINY)

    def sources(name):
        return sorted(t._keras_history.operation.name for t in
                      model.get_layer(name)._inbound_nodes[0].input_tensors)

    assert sources("fuse_pool4") == ["score_pool4", "upscore2"]
    assert sources("fuse_pool3") == ["score_pool3", "upscore_pool4"]
    assert model.get_layer("fuse_pool4").output.shape[1:3] == (4, 4)  # stride 16
    assert model.get_layer("fuse_pool3").output.shape[1:3] == (8, 8)  # stride 8
    # The at-once variant (TPAMI 2017) scales the pooled features before scoring them.
    at_once = fcn8s(input_shape=(64, 64, 3), skip_scaling=True, **TINY)
    assert at_once.get_layer("scale_pool4").scale == 0.01
    assert at_once.get_layer("scale_pool3").scale == 0.0001


def test_receptive_field_of_fcn_vgg16_is_table_1s_404():
    # Long et al. 2015, Table 1: FCN-VGG16 "rf size" 404, "max stride" 32.
    field = receptive_field(fcn32s(input_shape=(32, 32, 3), **TINY), "fc7")
    assert field.size == (404, 404) and field.jump == (32, 32)


def test_learned_parameters_per_skip():
    # score_pool4 (512·C + C) and upscore2 (4·4·C·C), then score_pool3 (256·C + C) and
    # upscore_pool4 (4·4·C·C): the trainable counts differ by exactly these (full widths).
    c = 21

    def trainable(model):
        return sum(int(np.prod(w.shape)) for w in model.trainable_weights)

    small = {"input_shape": (32, 32, 3), "classes": c, "width": 1 / 8}
    n32, n16, n8 = (trainable(b(**small)) for b in (fcn32s, fcn16s, fcn8s))
    assert n16 - n32 == (64 * c + c) + 16 * c * c
    assert n8 - n16 == (32 * c + c) + 16 * c * c


def test_vgg16_classifier_fc_layers_become_fc6_and_fc7():
    # Convolutionalisation (§3.1): at a 224×224 input, fc7 at the centre of the 7×7 map sees
    # exactly pool5, so it equals the classifier's fc2 activations.
    keras.utils.set_random_seed(2)
    width = 1 / 16
    classifier = build("vgg16", input_shape=(224, 224, 3), width=width)
    net = fcn8s(input_shape=(224, 224, 3), classes=3, width=width)
    copied = transfer_vgg16_weights(classifier, net)
    assert copied == [f"block{b}_conv{c}" for b, n in enumerate((2, 2, 3, 3, 3), 1)
                      for c in range(1, n + 1)] + ["fc6", "fc7"]
    x = np.random.default_rng(3).uniform(0, 255, (2, 224, 224, 3)).astype("float32")
    want = keras.Model(classifier.input, classifier.get_layer("fc2").output)(x)
    got = keras.Model(net.input, net.get_layer("fc7").output)(x)
    assert got.shape == (2, 7, 7, 256)
    np.testing.assert_allclose(np.asarray(got)[:, 3, 3], np.asarray(want), rtol=1e-4, atol=1e-3)
    with pytest.raises(ValueError, match="same width"):
        transfer_vgg16_weights(classifier, fcn8s(input_shape=(224, 224, 3), width=1 / 32))
