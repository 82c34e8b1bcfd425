"""build_backbone over every classification name: declared levels, their strides, subsets, errors.

Sizes: a level at stride s of an H×H input is H/s wide where every window of the network pads
(TensorFlow's "same" and explicit zero padding round up: ceil(H/s)). The test uses H = 64, or
the smallest legal side that is a multiple of the largest stride (AlexNet: 67 → 96), so the
rounding never matters. LeNet-5 and AlexNet use unpadded windows as published and lose a
border at every level; for every network, one more largest stride S of input adds exactly S/s
units to a level at stride s, which pins the stride whatever the padding.
"""

import numpy as np
import pytest

from kerasvision.models import build_backbone, build_tiny, list_models
from kerasvision.models.backbone import feature_strides
from kerasvision.registry import get_spec

NAMES = list_models("classification")
# Switches for extra classifier heads need the top a backbone drops.
HEAD_ARGUMENTS = ("aux_logits",)


def _tiny(spec):
    """The tiny variant's builder arguments, less the input shape (the test picks the side)."""
    return {k: v for k, v in spec.tiny.items()
            if k != "input_shape" and k not in HEAD_ARGUMENTS}


def _channels(spec):
    return spec.tiny.get("input_shape", (None, None, 3))[-1]


def _side(name):
    """64, or the smallest legal side that is a multiple of the largest stride."""
    largest = max(feature_strides(name).values())
    side = max(64, get_spec(name).builder.min_input_size)
    return -(-side // largest) * largest


def _spatial(backbone):
    return {level: tuple(t.shape[1:3]) for level, t in backbone.output.items()}


def _pads_every_window(model):
    """False where a window wider than 1 is "valid" and not behind a ZeroPadding layer."""
    for layer in model.layers:
        window = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
        if window is None or getattr(layer, "padding", None) != "valid" or max(window) == 1:
            continue
        if not type(layer.input._keras_history[0]).__name__.startswith("ZeroPadding"):
            return False
    return True


@pytest.mark.parametrize("name", NAMES)
def test_every_declared_level_has_its_stride(name):
    spec = get_spec(name)
    strides = feature_strides(name)
    side, largest = _side(name), max(strides.values())
    shape = (side, side, _channels(spec))
    backbone = build_backbone(name, input_shape=shape, **_tiny(spec))
    assert list(backbone.output) == list(spec.feature_levels)
    sizes = _spatial(backbone)
    larger = _spatial(build_backbone(name, input_shape=(side + largest, side + largest,
                                                        shape[-1]), **_tiny(spec)))
    padded = _pads_every_window(backbone)
    for level, stride in strides.items():
        assert len(backbone.output[level].shape) == 4
        assert tuple(b - a for a, b in zip(sizes[level], larger[level])) == \
            (largest // stride,) * 2, level
        if padded:
            assert sizes[level] == (side // stride,) * 2, level
        else:  # unpadded windows (LeNet-5, AlexNet) eat a border
            assert 0 < sizes[level][0] <= side // stride, level
    # The deepest level is the whole feature extractor: the no-top model's output.
    no_top = build_tiny(name, include_top=False, input_shape=shape,
                        **{k: False for k in HEAD_ARGUMENTS if k in spec.tiny})
    assert no_top.output.shape == backbone.output[list(strides)[-1]].shape


@pytest.mark.parametrize("name", NAMES)
def test_a_subset_of_levels_in_any_order(name):
    spec = get_spec(name)
    levels = list(spec.feature_levels)
    wanted = [levels[-1], levels[0]] if len(levels) > 1 else levels
    side = _side(name)
    backbone = build_backbone(name, levels=wanted, input_shape=(side, side, _channels(spec)),
                              **_tiny(spec))
    maps = backbone(np.zeros((2, side, side, _channels(spec)), "float32"))
    assert list(maps) == wanted
    for level in wanted:
        assert tuple(maps[level].shape) == (2, *backbone.output[level].shape[1:])
        assert np.all(np.isfinite(np.asarray(maps[level])))


def test_one_level_by_name_and_builder_arguments_pass_through():
    backbone = build_backbone("resnet50", "C4", input_shape=(64, 64, 3), width=0.25,
                              blocks=(1, 1, 1, 1))
    assert list(backbone.output) == ["C4"]
    assert backbone.output["C4"].shape[1:] == (4, 4, 4 * 64)  # 4 × 256 × width
    assert feature_strides("resnet50") == {"C2": 4, "C3": 8, "C4": 16, "C5": 32}


def test_unknown_level_is_one_line_listing_the_available_ones():
    with pytest.raises(ValueError) as err:
        build_backbone("resnet50", levels=["C3", "P3"], input_shape=(64, 64, 3))
    message = str(err.value)
    assert "\n" not in message and "'P3'" in message and "C2, C3, C4, C5" in message
    with pytest.raises(ValueError, match="available"):
        build_backbone("vgg16", levels=[])


def test_a_model_without_levels_and_top_arguments_raise_clearly():
    without = next(n for n in list_models() if not get_spec(n).feature_levels)
    with pytest.raises(ValueError, match="declares no feature levels"):
        build_backbone(without)
    with pytest.raises(ValueError, match="declares no feature levels"):
        feature_strides(without)
    with pytest.raises(ValueError, match="pooling"):
        build_backbone("vgg11", input_shape=(32, 32, 3), pooling="avg")
