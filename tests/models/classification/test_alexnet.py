"""AlexNet: the two-tower split, LRN placement and the input-size floor."""

import numpy as np
import pytest

from kerasvision.layers import LocalResponseNormalization
from kerasvision.models import build


def test_two_tower_parameters_and_grouped_layers():
    model = build("alexnet", groups=2)
    # conv2, conv4, conv5 see half of the previous layer's maps (Krizhevsky et al., Fig. 2).
    kernels = {n: tuple(model.get_layer(n).kernel.shape) for n in
               ("conv1", "conv2", "conv3", "conv4", "conv5")}
    assert kernels == {"conv1": (11, 11, 3, 96), "conv2": (5, 5, 48, 256),
                       "conv3": (3, 3, 256, 384), "conv4": (3, 3, 192, 384),
                       "conv5": (3, 3, 192, 256)}
    assert model.count_params() == 60_965_224
    assert model.get_layer("pool5").output.shape[1:] == (6, 6, 256)


def test_single_tower_and_lrn_after_conv1_and_conv2():
    model = build("alexnet", include_top=False)
    # Single tower, same widths: conv2/4/5 see all maps; 62,378,344 with the FC layers.
    assert model.count_params() == 62_378_344 - (37_752_832 + 16_781_312 + 4_097_000)
    names = [layer.name for layer in model.layers]
    assert names.index("norm1") == names.index("conv1") + 1
    assert names.index("norm2") == names.index("conv2") + 1
    assert isinstance(model.get_layer("norm1"), LocalResponseNormalization)
    assert model.get_layer("norm1").bias == 2.0  # k = 2, n = 5, α = 1e-4, β = 0.75 (§3.3)


def test_grouped_forward_equals_two_separate_towers():
    model = build("alexnet", groups=2, include_top=False, width=1 / 16, input_shape=(67, 67, 3))
    conv4 = model.get_layer("conv4")
    x = np.random.default_rng(0).normal(size=(1, 3, 3, conv4.kernel.shape[2] * 2)).astype(
        "float32")
    kernel, bias = (np.asarray(w) for w in conv4.weights)
    half_in, half_out = kernel.shape[2], kernel.shape[3] // 2
    import tensorflow as tf
    towers = [tf.nn.relu(tf.nn.conv2d(x[..., g * half_in:(g + 1) * half_in],
                                      kernel[..., g * half_out:(g + 1) * half_out], 1, "SAME")
                         + bias[g * half_out:(g + 1) * half_out]) for g in range(2)]
    np.testing.assert_allclose(conv4(x), np.concatenate(towers, -1), rtol=1e-4, atol=1e-5)


def test_minimum_input_size_is_documented_and_enforced():
    assert build("alexnet", input_shape=(67, 67, 1), classes=10, width=1 / 16).output_shape == \
        (None, 10)
    for shape in ((66, 66, 3), (28, 28, 1), (32, 32, 3)):
        with pytest.raises(ValueError, match="at least 67"):
            build("alexnet", input_shape=shape, classes=10, width=1 / 16)
