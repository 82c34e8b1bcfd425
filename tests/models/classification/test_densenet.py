"""DenseNets (Huang et al. 2017): Table 1 ImageNet models and Table 2 CIFAR models."""

import numpy as np
import pytest

from kerasvision.models import build


def _trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


# Computed exact trainable counts, 10 classes (docs/references.md); Table 2 rounds to 0.1M.
@pytest.mark.parametrize("name,params", [
    ("densenet_40_12", 1_019_722), ("densenet_bc_100_12", 769_162),
    pytest.param("densenet_bc_250_24", 15_324_406, marks=pytest.mark.slow),
    pytest.param("densenet_bc_190_40", 25_624_430, marks=pytest.mark.slow),
    pytest.param("densenet264", 33_337_704, marks=pytest.mark.slow)])
def test_exact_counts(name, params):
    assert _trainable(build(name)) == params


def test_bc_channels_follow_growth_and_compression():
    model = build("densenet_bc_100_12")
    # 2k = 24 stem maps; +16·12 per block; transitions halve (θ = 0.5).
    channels = [model.get_layer(n).output.shape[-1] for n in
                ("conv1_conv", "dense1_block16_concat", "transition1_pool",
                 "dense2_block16_concat", "transition2_pool", "dense3_block16_concat")]
    assert channels == [24, 216, 108, 300, 150, 342]
    assert model.get_layer("dense1_block1_1_conv").filters == 48  # bottleneck to 4k


def test_plain_densenet_has_no_bottleneck_or_compression():
    model = build("densenet_40_12")
    names = {layer.name for layer in model.layers}
    assert "dense1_block1_1_conv" not in names
    channels = [model.get_layer(n).output.shape[-1] for n in
                ("conv1_conv", "dense1_block12_concat", "transition1_pool")]
    assert channels == [16, 160, 160]


def test_small_inputs():
    model = build("densenet121", input_shape=(28, 28, 1), classes=10, growth_rate=8,
                  blocks=(2, 2, 2, 2))
    assert model.get_layer("pool4_pool").output.shape[1:3] == (1, 1)
    assert model.output_shape == (None, 10)
    assert build("densenet_bc_100_12", depth=16, input_shape=(28, 28, 1)).output_shape == \
        (None, 10)
    with pytest.raises(ValueError, match="6n \\+ 4"):
        build("densenet_bc_100_12", depth=99)
