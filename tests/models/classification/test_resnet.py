"""ImageNet ResNets: torchvision-exact ResNet-18/34, keras.applications structure for the rest."""

import numpy as np
import pytest

from kerasvision.models import build


def _trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def test_resnet18_and_34_match_torchvision():
    assert _trainable(build("resnet18")) == 11_689_512
    assert _trainable(build("resnet34")) == 21_797_672


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "resnet50_v2"])
def test_stage_resolutions_and_strided_shortcuts(name):
    model = build(name)
    last = {"conv2": 56, "conv3": 28, "conv4": 14, "conv5": 7}
    if name == "resnet50_v2":
        # keras.applications' v2 strides the last unit of conv2..conv4, not the first.
        last = {"conv2": 28, "conv3": 14, "conv4": 7, "conv5": 7}
    for stage, size in last.items():
        outs = [layer for layer in model.layers if layer.name.startswith(stage) and
                layer.name.endswith("_out")]
        assert outs[-1].output.shape[1] == size
    if name == "resnet50_v2":
        # A strided identity shortcut subsamples too (1×1 max pooling with stride 2).
        for stage, units in (("conv2", 3), ("conv3", 4), ("conv4", 6)):
            assert model.get_layer(f"{stage}_block{units}_0_pool").strides == (2, 2)
    else:
        # The first unit of conv3..conv5 strides both the branch and the projection shortcut.
        for stage in ("conv3", "conv4", "conv5"):
            assert model.get_layer(f"{stage}_block1_0_conv").strides == (2, 2)


def test_width_and_small_inputs():
    model = build("resnet50", input_shape=(28, 28, 1), classes=10, width=0.25)
    assert model.output_shape == (None, 10)
    assert model.get_layer("conv5_block3_out").output.shape[1:] == (1, 1, 512)
    v2 = build("resnet50_v2", input_shape=(32, 32, 3), include_top=False, pooling="avg",
               width=0.125)
    assert v2.output_shape == (None, 256)
