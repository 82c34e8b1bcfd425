"""Yu & Koltun (ICLR 2016): the context module's Table 1 (dilations, receptive fields,
widths), its identity initialisation (§3), and the dilated VGG-16 front end (§4)."""

import numpy as np
import pytest

import keras

from kerasvision.inspect.layer_receptive_field import receptive_field
from kerasvision.layers.group_identity_initializer import GroupIdentityInitializer
from kerasvision.models import build
from kerasvision.models.segmentation.dilated_context import (
    context_module, dilated_context, dilated_front_end)
from kerasvision.models.segmentation.vgg16_weights import transfer_vgg16_weights

# Table 1: receptive field of layers 1-8, and output channels in units of C.
TABLE_1_FIELDS = [3, 5, 9, 17, 33, 65, 67, 67]
TABLE_1_WIDTHS = {"basic": [1] * 8, "large": [2, 2, 4, 8, 16, 32, 32, 1]}


@pytest.mark.parametrize("variant", ["basic", "large"])
def test_context_module_receptive_fields_and_widths_are_table_1s(variant):
    c = 3
    module = context_module(c, variant)
    names = [f"context_conv{i}" for i in range(1, 9)]
    # Measured by the package's receptive-field tracer (kerasvision/inspect).
    assert [receptive_field(module, n).size[0] for n in names] == TABLE_1_FIELDS
    assert [module.get_layer(n).filters for n in names] == [w * c for w in TABLE_1_WIDTHS[variant]]
    assert [module.get_layer(n).dilation_rate[0] for n in names] == [1, 1, 2, 4, 8, 16, 1, 1]
    assert [module.get_layer(n).activation.__name__ for n in names] == ["relu"] * 7 + ["linear"]


@pytest.mark.parametrize("variant,total_for_21", [("basic", 28_392), ("large", 6_803_139)])
def test_context_module_parameter_count(variant, total_for_21):
    # Table 1's layout: seven 3×3 and one 1×1 layer. Basic: 7·9C² + C² = 64C² weights.
    c = 21
    widths = [c] + [w * c for w in TABLE_1_WIDTHS[variant]]
    taps = [9] * 7 + [1]
    weights = sum(t * a * b for t, a, b in zip(taps, widths, widths[1:]))
    if variant == "basic":
        assert weights == 64 * c * c
    # The counts for PASCAL VOC's 21 classes (docs/references.md).
    assert context_module(c, variant).count_params() == weights + sum(widths[1:]) == total_for_21


def test_basic_module_passes_its_input_through_at_initialisation():
    # §3: k^b(t, a) = 1[t=0]·1[a=b]. Every layer is the identity; the truncations (ReLU)
    # clip negatives, so a non-negative input comes out unchanged.
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 4, (2, 40, 40, 5)).astype("float32")
    module = context_module(5)
    np.testing.assert_allclose(np.asarray(module(x)), x, rtol=1e-6, atol=1e-6)
    signed = rng.normal(size=(1, 24, 24, 5)).astype("float32")
    np.testing.assert_allclose(np.asarray(module(signed)), np.maximum(signed, 0), atol=1e-6)


def test_large_module_passes_its_input_through_up_to_its_small_noise():
    # The large module's C/c_out-weighted group identities carry each class through
    # 2C ... 32C maps and back to C; ε (σ = 0.001·C/c_out) moves the result only slightly.
    keras.utils.set_random_seed(1)
    x = np.random.default_rng(1).uniform(0, 1, (1, 48, 48, 4)).astype("float32")
    out = np.asarray(context_module(4, "large")(x))
    assert np.abs(out - x).max() < 0.05
    assert np.abs(out - x).max() > 0  # the noise is there to break the copies' symmetry


def test_group_identity_carries_groups_through_any_chain_of_widths():
    # Noise-free, the large module's formula is an exact identity for each of C groups.
    c, widths = 3, [3, 6, 12, 48, 3]
    inputs = keras.Input((None, None, c))
    x = inputs
    for i, w in enumerate(widths[1:]):
        x = keras.layers.Conv2D(w, 3, padding="same", dilation_rate=2 ** i,
                                kernel_initializer=GroupIdentityInitializer(c))(x)
    image = np.random.default_rng(2).normal(size=(1, 20, 20, c)).astype("float32")
    np.testing.assert_allclose(np.asarray(keras.Model(inputs, x)(image)), image, atol=1e-5)
    kernel = np.asarray(GroupIdentityInitializer(2)((3, 3, 2, 4)))
    np.testing.assert_array_equal(kernel[1, 1], [[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    assert np.count_nonzero(kernel) == 4  # only the centre tap


def test_front_end_drops_pool4_and_pool5_and_dilates_what_follows():
    images, scores = dilated_front_end((64, 64, 3), classes=4, width=1 / 64)
    model = keras.Model(images, scores)
    names = [layer.name for layer in model.layers]
    assert "block3_pool" in names and "block4_pool" not in names and "block5_pool" not in names
    assert [model.get_layer(f"block5_conv{i}").dilation_rate for i in (1, 2, 3)] == [(2, 2)] * 3
    assert model.get_layer("fc6").dilation_rate == (4, 4)
    assert model.get_layer("fc6").kernel_size == (7, 7)
    assert scores.shape[1:] == (8, 8, 4)  # stride 8


def test_dilated_context_scores_at_input_size():
    model = dilated_context(input_shape=(64, 40, 3), classes=4, width=1 / 64)
    x = np.random.default_rng(3).uniform(0, 255, (2, 64, 40, 3)).astype("float32")
    scores = np.asarray(model(x))
    assert scores.shape == (2, 64, 40, 4)
    np.testing.assert_allclose(scores.sum(-1), 1, rtol=1e-5)
    front_only = dilated_context(input_shape=(32, 32, 3), classes=4, width=1 / 64, context=None)
    assert not any(layer.name.startswith("context") for layer in front_only.layers)
    with pytest.raises(ValueError, match="multiples of 8"):
        dilated_context(input_shape=(60, 64, 3))


def test_vgg16_weights_load_into_the_dilated_front_end():
    width = 1 / 16
    classifier = build("vgg16", input_shape=(224, 224, 3), width=width)
    net = dilated_context(input_shape=(64, 64, 3), classes=3, width=width)
    copied = transfer_vgg16_weights(classifier, net)
    assert {"block5_conv3", "fc6", "fc7"} <= set(copied) and len(copied) == 15
    np.testing.assert_array_equal(net.get_layer("fc6").kernel.numpy().reshape(-1, 256),
                                  classifier.get_layer("fc1").kernel.numpy())
