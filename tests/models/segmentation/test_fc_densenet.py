"""FC-DenseNet56/67/103 (Jégou et al., CVPRW 2017): depth, Table 1's blocks, Table 2's widths,
and the computed parameter counts (the paper's rounded ones are checked by the registry's
reference in tests/test_contract.py)."""

import pytest

import keras

from kerasvision.models import build, build_tiny


def _convolutions(model):
    return [layer for layer in model.layers
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))]


# The number in the name is the count of convolutions: the first, every dense layer, the five
# transitions down and up, and the classifier (103 = 1 + 38 + 15 + 38 + 5 + 5 + 1).
@pytest.mark.parametrize("name,depth", [("fc_densenet56", 56), ("fc_densenet67", 67),
                                        ("fc_densenet103", 103)])
def test_depth_is_the_number_of_convolutions(name, depth, full_size):
    assert len(_convolutions(full_size(name))) == depth


@pytest.fixture(scope="module")
def full_size():
    """The three networks at CamVid's 11 classes, each built once (64×64 inputs; counts do not
    depend on the input size)."""
    models = {}

    def get(name):
        if name not in models:
            models[name] = build(name, input_shape=(64, 64, 3), classes=11)
        return models[name]

    return get


@pytest.fixture(scope="module")
def densenet103(full_size):
    return full_size("fc_densenet103")


def test_table2_feature_maps(densenet103):
    model = densenet103

    def channels(layer_name, which="output"):
        return getattr(model.get_layer(layer_name), which).shape[-1]

    # m after each block on the way down (Table 2): 48 + 16 · (4, 5, 7, 10, 12) cumulated.
    down = [channels(f"down{i}_layer{n}_concat") for i, n in enumerate((4, 5, 7, 10, 12), 1)]
    assert down == [112, 192, 304, 464, 656]
    # Only the new maps of the block below go up: 16 · (15, 12, 10, 7, 5), as many out.
    ups = [model.get_layer(f"transition_up{i}_deconv") for i in range(1, 6)]
    assert [layer.input.shape[-1] for layer in ups] == [240, 192, 160, 112, 80]
    assert [layer.filters for layer in ups] == [240, 192, 160, 112, 80]
    assert all(layer.kernel_size == (3, 3) and layer.strides == (2, 2) for layer in ups)
    # Each up block's input: upsampled maps and the skip connection of their resolution.
    assert [channels(f"transition_up{i}_concat") for i in range(1, 6)] == [896, 656, 464, 304,
                                                                           192]
    # m after the last block, all the classifier sees: 112 + 80 + 16 · 4 (Table 2).
    assert model.get_layer("pixel_scores").input.shape[-1] == 256


def test_table1_blocks(densenet103):
    model = densenet103
    layer_conv = model.get_layer("down1_layer1_conv")
    assert (layer_conv.filters, layer_conv.kernel_size) == (16, (3, 3))
    assert model.get_layer("first_conv").filters == 48
    # Transition down: 1×1 convolution keeping the width, dropout, 2×2 max pooling.
    down_conv = model.get_layer("transition_down1_conv")
    assert (down_conv.filters, down_conv.kernel_size) == (112, (1, 1))
    assert model.get_layer("transition_down1_dropout").rate == pytest.approx(0.2)
    assert isinstance(model.get_layer("transition_down1_pool"), keras.layers.MaxPooling2D)
    # Dropout 0.2 after each of the 91 dense-layer and 5 transition-down convolutions.
    rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert len(rates) == 96 and set(rates) == {0.2}
    assert model.get_layer("pixel_scores").kernel_size == (1, 1)


# Computed exact total counts (BN statistics included, as Lasagne counts them), CamVid's 11
# classes; the paper's Table 3 prints 1.5M, 3.5M and 9.4M.
@pytest.mark.parametrize("name,params", [("fc_densenet56", 1_397_963),
                                         ("fc_densenet67", 3_502_923),
                                         ("fc_densenet103", 9_425_163)])
def test_exact_counts(name, params, full_size):
    assert full_size(name).count_params() == params


def test_tiny_variant_is_tiny_and_keeps_input_resolution():
    model = build_tiny("fc_densenet103")
    assert 1_000 < model.count_params() < 100_000
    assert tuple(model.output.shape[1:]) == (32, 32, 3)


def test_input_sides_must_divide_by_the_poolings():
    with pytest.raises(ValueError, match="multiples of 32"):
        build("fc_densenet56", input_shape=(48, 64, 3))
