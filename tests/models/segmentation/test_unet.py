"""U-Net (Ronneberger, Fischer & Brox, MICCAI 2015): Fig. 1's map sizes and crops in "valid"
mode (572×572 in, 388×388 out), its parameter count, and "same" mode at input size."""

import numpy as np
import pytest

from kerasvision.models.segmentation.unet import unet

# Fig. 1: the side of each level's last map for a 572×572 tile.
FIGURE_1_SIDES = {"down1_conv2": 568, "down2_conv2": 280, "down3_conv2": 136,
                  "down4_conv2": 64, "bottom_conv2": 28, "upconv4": 56, "up4_conv2": 52,
                  "upconv3": 104, "up3_conv2": 100, "upconv2": 200, "up2_conv2": 196,
                  "upconv1": 392, "up1_conv2": 388, "scores": 388}


def test_valid_unet_maps_572_to_388_through_figure_1s_sizes():
    # The sizes do not depend on the widths: base_filters=1 builds in a moment.
    model = unet(input_shape=(572, 572, 1), classes=2, base_filters=1, padding="valid")
    sides = {name: model.get_layer(name).output.shape[1] for name in FIGURE_1_SIDES}
    assert sides == FIGURE_1_SIDES
    assert model.output_shape == (None, 388, 388, 2)
    # The skips are centre-cropped to the up-convolution's size (grey arrows of Fig. 1).
    assert model.get_layer("crop4").cropping == ((4, 4), (4, 4))  # 64 -> 56
    assert model.get_layer("crop1").cropping == ((88, 88), (88, 88))  # 568 -> 392


def test_channels_double_down_and_halve_up():
    model = unet(input_shape=(572, 572, 1), classes=2, base_filters=2, padding="valid")
    down = [model.get_layer(f"down{i}_conv2").filters for i in (1, 2, 3, 4)]
    up = [model.get_layer(f"upconv{i}").filters for i in (4, 3, 2, 1)]
    assert down + [model.get_layer("bottom_conv2").filters] == [2, 4, 8, 16, 32]
    assert up == [16, 8, 4, 2]
    # Concatenation: the cropped skip and the up-convolution, twice the level's width.
    assert model.get_layer("concat4").output.shape[-1] == 32


@pytest.mark.slow
def test_paper_unet_has_31_030_658_parameters():
    # One input channel, two classes, base 64 (Fig. 1): computed, the paper prints no total.
    model = unet(input_shape=(572, 572, 1), classes=2, padding="valid")
    assert model.count_params() == 31_030_658
    assert model.output_shape == (None, 388, 388, 2)


def test_same_padding_keeps_the_input_size():
    model = unet(input_shape=(48, 80, 3), classes=4, base_filters=2)
    x = np.random.default_rng(0).uniform(0, 255, (2, 48, 80, 3)).astype("float32")
    scores = np.asarray(model(x))
    assert scores.shape == (2, 48, 80, 4)
    np.testing.assert_allclose(scores.sum(-1), 1, rtol=1e-5)
    assert not any(layer.name.startswith("crop") for layer in model.layers)
    dynamic = unet(classes=4, base_filters=2)
    assert dynamic(x[:, :32, :64]).shape == (2, 32, 64, 4)


@pytest.mark.parametrize("kwargs,message", [
    ({"input_shape": (36, 48, 3)}, "odd or empty"),  # 36 -> 18 -> 9: odd before a pooling
    ({"input_shape": (570, 572, 1), "padding": "valid"}, "odd or empty"),
    ({"padding": "valid"}, "known input sides"),
    ({"padding": "full"}, "padding must be"),
])
def test_sizes_that_cannot_work_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        unet(base_filters=1, **kwargs)
