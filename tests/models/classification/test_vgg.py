"""VGG configurations A, B, D, E (Simonyan & Zisserman 2015, Table 1)."""

import pytest

from kerasvision.models import build


@pytest.mark.parametrize("name,convs", [("vgg11", 8), ("vgg13", 10), ("vgg16", 13),
                                        ("vgg19", 16)])
def test_weight_layers_per_configuration(name, convs):
    model = build(name, include_top=False, input_shape=(32, 32, 3))
    conv_layers = [layer for layer in model.layers if layer.name.startswith("block") and
                   "conv" in layer.name]
    assert len(conv_layers) == convs
    assert [layer.filters for layer in conv_layers][-1] == 512
    assert all(layer.kernel_size == (3, 3) for layer in conv_layers)


@pytest.mark.slow
def test_vgg11_and_vgg13_counts():
    # Computed; Table 2 rounds both to 133M.
    assert build("vgg11").count_params() == 132_863_336
    assert build("vgg13").count_params() == 133_047_848


def test_28x28_input_pools_to_one_pixel():
    model = build("vgg16", input_shape=(28, 28, 1), classes=10, width=1 / 16)
    assert model.get_layer("block5_pool").output.shape[1:3] == (1, 1)
    assert model.output_shape == (None, 10)
