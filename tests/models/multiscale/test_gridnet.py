"""GridNet (Fourure et al., BMVC 2017, §3, Figs. 2-3): 5 streams of 16-256 channels, 3 down and
3 up columns, residual units along the rows, strided and transposed convolutions between
them, total dropout on the row units; the count computed by hand from that layout."""

import numpy as np
import pytest

import keras

from kerasvision.layers.total_dropout import TotalDropout
from kerasvision.models import build

WIDTHS = (16, 32, 64, 128, 256)


def _hand_count(classes):
    """Total parameters (BN: 4 per channel) of the default grid, unit by unit."""
    lateral = sum(2 * (4 * c + 9 * c * c) for c in WIDTHS)  # BN-ReLU-conv3x3 twice
    down = sum(4 * c + 9 * c * d + 4 * d + 9 * d * d for c, d in zip(WIDTHS, WIDTHS[1:]))
    up = sum(4 * d + 9 * d * c + 4 * c + 9 * c * c for c, d in zip(WIDTHS, WIDTHS[1:]))
    stem = 9 * 3 * 16 + 16
    head = 4 * 16 + 16 * classes + classes
    return 5 * lateral + 3 * down + 3 * up + stem + head  # 5 units per row, 3 columns each


@pytest.fixture(scope="module")
def grid():
    keras.utils.set_random_seed(0)
    return build("gridnet", input_shape=(64, 64, 3), classes=11)


def test_maps_to_per_pixel_scores_at_input_resolution(grid):
    out = grid(np.random.default_rng(0).uniform(size=(2, 64, 64, 3)).astype("float32"))
    assert out.shape == (2, 64, 64, 11)


def test_layout_and_hand_count(grid):
    names = [layer.name for layer in grid.layers]
    laterals = {n[len("lateral_"):].split("_")[0] for n in names if n.startswith("lateral_")}
    downs = {n[len("down_"):].split("_")[0] for n in names if n.startswith("down_")}
    ups = {n[len("up_"):].split("_")[0] for n in names if n.startswith("up_")}
    assert len(laterals) == 5 * 5 and len(downs) == 3 * 4 and len(ups) == 3 * 4
    assert downs == {f"r{r}c{c}" for r in range(2, 6) for c in (1, 2, 3)}
    assert ups == {f"r{r}c{c}" for r in range(1, 5) for c in (4, 5, 6)}
    for row, width in enumerate(WIDTHS, start=1):
        assert grid.get_layer(f"lateral_r{row}c2_add").output.shape[1:] == \
            (64 // 2 ** (row - 1),) * 2 + (width,)
    assert grid.get_layer("down_r3c2_1_conv").strides == (2, 2)
    assert type(grid.get_layer("up_r3c5_1_conv")).__name__ == "Conv2DTranspose"
    assert grid.count_params() == _hand_count(11)
    assert _hand_count(19) == 13_182_275  # the registry's reference (Cityscapes, 19 classes)


def test_total_dropout_sits_on_every_row_unit_and_is_identity_at_inference(grid):
    drops = [layer for layer in grid.layers if isinstance(layer, TotalDropout)]
    assert len(drops) == 25 and all(d.rate == 0.5 for d in drops)
    assert all(d.name.startswith("lateral_") for d in drops)
    x = np.random.default_rng(1).uniform(size=(1, 64, 64, 3)).astype("float32")
    np.testing.assert_array_equal(np.asarray(grid(x)), np.asarray(grid(x)))
    # While training, a dropped unit passes its input: unit output == unit input.
    keras.utils.set_random_seed(1)
    small = build("gridnet", input_shape=(8, 8, 3), stream_channels=(2, 2), classes=2)
    unit = keras.Model(small.inputs, [small.get_layer("lateral_r2c3_add").input[0],
                                      small.get_layer("lateral_r2c3_add").output])
    x = x[:, :8, :8]
    outcomes = set()
    for _ in range(12):
        before, after = (np.asarray(t) for t in unit(x, training=True))
        outcomes.add(bool(np.array_equal(before, after)))
    assert outcomes == {True, False}  # dropped in some calls, kept in others (p = 2^-11)


def test_sides_must_be_multiples_of_the_coarsest_stride():
    with pytest.raises(ValueError, match="multiples of 16"):
        build("gridnet", input_shape=(40, 64, 3))
    small = build("gridnet", input_shape=(8, 12, 3), stream_channels=(2, 3, 4), classes=2,
                  total_dropout=0.0)
    assert small.output.shape[1:] == (8, 12, 2)
    assert not any(isinstance(layer, TotalDropout) for layer in small.layers)
