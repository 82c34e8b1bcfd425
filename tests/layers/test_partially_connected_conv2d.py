"""PartiallyConnectedConv2D against separate convolutions over each output's input maps."""

import numpy as np
import pytest
import tensorflow as tf

from kerasvision.layers import PartiallyConnectedConv2D

TABLE = [[0, 1], [2], [0, 1, 2], [1, 2]]


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_matches_per_map_convolutions(padding):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 7, 6, 3)).astype("float32")
    layer = PartiallyConnectedConv2D(TABLE, 3, padding=padding)
    layer.build(x.shape)
    kernel = rng.normal(size=layer.kernel.shape).astype("float32")
    bias = rng.normal(size=4).astype("float32")
    layer.set_weights([kernel, bias])
    got = np.asarray(layer(x))
    outs, t = [], 0
    for j, inputs in enumerate(TABLE):
        k = kernel[:, :, t:t + len(inputs)][..., None]          # (3, 3, |inputs|, 1)
        t += len(inputs)
        xs = tf.gather(x, inputs, axis=-1)
        outs.append(tf.nn.conv2d(xs, k, 1, padding.upper())[..., 0] + bias[j])
    want = np.stack(outs, axis=-1)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert got.shape[1:] == layer.compute_output_shape(x.shape)[1:]


def test_only_existing_connections_are_parameters():
    # LeNet-5's C3 (Table I): 60 connections of 5×5 plus 16 biases.
    table = [[i % 6, (i + 1) % 6, (i + 2) % 6] for i in range(6)] + \
            [[i % 6, (i + 1) % 6, (i + 2) % 6, (i + 3) % 6] for i in range(6)] + \
            [[0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5], list(range(6))]
    layer = PartiallyConnectedConv2D(table, 5)
    layer.build((None, 14, 14, 6))
    assert layer.count_params() == 1516
    dense = np.asarray(layer.dense_kernel())
    for j, inputs in enumerate(table):
        for i in range(6):
            assert np.any(dense[:, :, i, j] != 0) == (i in inputs)


def test_config_round_trip_and_errors():
    layer = PartiallyConnectedConv2D(TABLE, (3, 2), padding="same", use_bias=False)
    clone = PartiallyConnectedConv2D.from_config(layer.get_config())
    assert clone.connections == TABLE and clone.kernel_size == (3, 2) and not clone.use_bias
    with pytest.raises(ValueError):
        PartiallyConnectedConv2D([[0], []], 3)
    with pytest.raises(ValueError):
        PartiallyConnectedConv2D([[0, 5]], 3).build((None, 8, 8, 3))
