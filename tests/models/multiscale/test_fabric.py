"""The fabric builders: the authors' demo configuration and its count, odd sizes, channel
doubling, the segmentation read-out and the gates."""

import numpy as np
import pytest

from kerasvision.models import build, build_tiny

# The authors' MNIST demo: 6 scales x 9 layers x 27 channels on 32x32 grey images
# (github.com/shreyassaxena/convolutional-neural-fabrics, MNIST/demo_mnist.txt).
C = 27
DEMO_COUNT = (138 * (9 * C * C + C)  # the 3x3 convolutions between nodes: 139 edges less one
              + (9 * 1 * C + C)  # the input edge (grey image)
              + 54 * 4 * C  # BN of the 54 nodes: gamma, beta and the two moving statistics
              + (C * 10 + 10))  # the 1x1 class scores


def test_demo_configuration_count_by_hand():
    # The registry's reference (tests/test_contract.py) builds it without gates: 915,526.
    assert DEMO_COUNT == 915_526


@pytest.mark.slow  # the full demo fabric
def test_demo_configuration_with_gates():
    model = build("fabric", input_shape=(32, 32, 1))
    assert model.count_params() == DEMO_COUNT + 139  # and one scalar gate per edge
    assert model.get_layer("l9s6_relu").output.shape[1:] == (1, 1, C)
    assert model.output.shape[1:] == (10,)


def test_strides_and_upsampling_of_an_inner_node():
    model = build("fabric", input_shape=(32, 32, 3), num_layers=3, num_scales=4, channels=5)
    assert model.get_layer("conv_l1s2_to_l2s3").strides == (2, 2)
    assert model.get_layer("conv_l1s3_to_l2s3").strides == (1, 1)
    assert model.get_layer("up_l1s4_to_l2s3").output.shape[1:3] == (8, 8)
    assert model.get_layer("l2s3_sum").output.shape[1:] == (8, 8, 5)


def test_odd_sides_crop_the_upsampled_maps():
    model = build("fabric", input_shape=(28, 28, 1), num_layers=2, channels=3)
    # 28 -> 14 -> 7 -> 4: the 4x4 node doubles to 8x8, cropped to the 7x7 scale.
    assert model.get_layer("crop_l1s4_to_l2s3").output.shape[1:3] == (7, 7)
    out = model(np.zeros((2, 28, 28, 1), "float32"))
    assert out.shape == (2, 10)


def test_channel_doubling_and_explicit_widths():
    model = build("fabric", input_shape=(16, 16, 3), num_layers=2, num_scales=3, channels=4,
                  channel_doubling=True)
    assert [model.get_layer(f"l2s{s}_bn").output.shape[-1] for s in (1, 2, 3)] == [4, 8, 16]
    explicit = build("fabric", input_shape=(16, 16, 3), num_layers=2, num_scales=3,
                     channels=(4, 8, 16))
    assert explicit.count_params() == model.count_params()


def test_segmentation_reads_out_at_input_resolution():
    model = build("fabric_segmentation", input_shape=(20, 24, 3), num_layers=3, num_scales=4,
                  channels=2, classes=5)
    out = model(np.zeros((2, 20, 24, 3), "float32"))
    assert out.shape == (2, 20, 24, 5)
    assert model.get_layer("pixel_scores").input.shape[1:3] == (20, 24)


def test_gates_start_open_and_no_top_gives_the_coarsest_node():
    model = build_tiny("fabric")
    gates = [layer for layer in model.layers if layer.name.startswith("gate_")]
    assert len(gates) == 1 + 5 + 16 + 5
    assert all(float(np.asarray(g.gate)) == 1.0 for g in gates)
    features = build_tiny("fabric", include_top=False)
    assert features.output.shape[1:] == (1, 1, 2)
