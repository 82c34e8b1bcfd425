"""CIFAR ResNets (He et al. 2016, §4.2, Table 6) and pre-activation ResNet-164/1001."""

import numpy as np
import pytest

from kerasvision.layers import ZeroPaddedIdentity
from kerasvision.models import build


def _trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


# Computed exact trainable counts with option-A shortcuts and 10 classes (docs/references.md).
@pytest.mark.parametrize("name,params", [
    ("resnet20", 269_722), ("resnet32", 464_154), ("resnet44", 658_586), ("resnet56", 853_018),
    ("resnet110", 1_727_962), ("preact_resnet164", 1_703_258),
    pytest.param("resnet1202", 19_421_274, marks=pytest.mark.slow),
    pytest.param("preact_resnet1001", 10_327_706, marks=pytest.mark.slow)])
def test_exact_counts(name, params):
    assert _trainable(build(name)) == params


def test_option_a_shortcuts_are_parameter_free_and_strided():
    model = build("resnet20")
    pads = [layer for layer in model.layers if isinstance(layer, ZeroPaddedIdentity)]
    assert [(p.filters, p.strides) for p in pads] == [(32, 2), (64, 2)]
    sizes = [model.get_layer(f"stage{s}_unit3_out").output.shape[1:] for s in (1, 2, 3)]
    assert sizes == [(32, 32, 16), (16, 16, 32), (8, 8, 64)]


def test_option_b_projects_with_a_strided_1x1():
    model = build("resnet20", shortcut="B")
    conv = model.get_layer("stage2_unit1_0_conv")
    assert conv.kernel.shape == (1, 1, 16, 32) and conv.strides == (2, 2)
    # Two projections with BN: 16·32 + 64 + 32·64 + 128 more than option A.
    assert _trainable(model) == 269_722 + 16 * 32 + 64 + 32 * 64 + 128


def test_preact_units_and_small_inputs():
    model = build("preact_resnet164", depth=20, input_shape=(28, 28, 1))
    assert model.get_layer("stage2_unit1_0_conv").strides == (2, 2)
    assert model.get_layer("stage3_unit2_out").output.shape[1:] == (7, 7, 256)
    assert build("resnet20", input_shape=(28, 28, 1)).output_shape == (None, 10)
    with pytest.raises(ValueError, match="6n \\+ 2"):
        build("resnet20", depth=21)
    with pytest.raises(ValueError, match="9n \\+ 2"):
        build("preact_resnet164", depth=20 + 1)
