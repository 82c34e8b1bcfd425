"""ZeroPaddedIdentity (ResNet option-A shortcut) against numpy slicing."""

import numpy as np
import pytest

from kerasvision.layers import ZeroPaddedIdentity


@pytest.mark.parametrize("shape,filters,stride", [((2, 8, 8, 4), 8, 2), ((1, 7, 5, 3), 3, 1),
                                                  ((1, 7, 5, 3), 6, 2)])
def test_matches_numpy(shape, filters, stride):
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    layer = ZeroPaddedIdentity(filters, stride)
    got = np.asarray(layer(x))
    sub = x[:, ::stride, ::stride, :]
    want = np.concatenate([sub, np.zeros((*sub.shape[:3], filters - shape[-1]), "float32")], -1)
    np.testing.assert_array_equal(got, want)
    assert got.shape == layer.compute_output_shape(shape)
    assert layer.count_params() == 0


def test_config_and_error():
    layer = ZeroPaddedIdentity(32, 2)
    clone = ZeroPaddedIdentity.from_config(layer.get_config())
    assert (clone.filters, clone.strides) == (32, 2)
    with pytest.raises(ValueError):
        ZeroPaddedIdentity(2)(np.zeros((1, 4, 4, 3), "float32"))
