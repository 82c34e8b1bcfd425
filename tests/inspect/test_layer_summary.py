"""layer_table: shapes, parameters (the lecture's 760), receptive fields and MACs."""

import keras

from kerasvision.inspect.layer_summary import COLUMNS, format_layer_table, layer_table
from kerasvision.layers.locally_connected_2d import LocallyConnected2D

L = keras.layers


def _rows(model):
    return {r["name"]: r for r in layer_table(model)}


def test_lecture_example_ten_5x5_filters_on_32x32x3():
    inputs = keras.Input((32, 32, 3))
    x = L.ZeroPadding2D(2, name="pad2")(inputs)
    x = L.Conv2D(10, 5, strides=1, name="conv")(x)
    row = _rows(keras.Model(inputs, x))["conv"]
    assert row["output_shape"] == [None, 32, 32, 10]
    assert row["params"] == 760  # (5*5*3 + 1) * 10
    assert row["rf_size"] == [5, 5] and row["rf_jump"] == [1, 1]
    assert row["rf_start"] == [0, 0]  # pad 2 centres the first field on pixel 0
    assert row["macs"] == 32 * 32 * 10 * 5 * 5 * 3
    assert set(row) == set(COLUMNS)


def test_macs_of_dense_transposed_separable_and_locally_connected():
    inputs = keras.Input((8, 8, 4))
    t = L.Conv2DTranspose(2, 3, strides=2, padding="same", name="up")(inputs)
    s = L.SeparableConv2D(6, 3, padding="same", name="sep")(inputs)
    d = L.DepthwiseConv2D(3, depth_multiplier=2, name="dw")(inputs)
    lc = LocallyConnected2D(5, 3, name="lc")(inputs)
    g = L.Conv2D(4, 3, groups=2, padding="same", name="grouped")(inputs)
    v = L.Dense(7, name="fc")(L.Flatten(name="flat")(inputs))
    pw = L.Dense(3, name="pointwise_dense")(inputs)
    rows = _rows(keras.Model(inputs, [t, s, d, lc, g, v, pw]))
    assert rows["up"]["macs"] == 8 * 8 * 4 * 3 * 3 * 2  # every input unit scatters a 3x3x2 block
    assert rows["sep"]["macs"] == 8 * 8 * (3 * 3 * 4 + 4 * 6)
    assert rows["dw"]["macs"] == 6 * 6 * 3 * 3 * 4 * 2
    assert rows["lc"]["macs"] == 6 * 6 * 3 * 3 * 4 * 5
    assert rows["grouped"]["macs"] == 8 * 8 * 4 * 3 * 3 * 2
    assert rows["fc"]["macs"] == 256 * 7
    assert rows["pointwise_dense"]["macs"] == 8 * 8 * 4 * 3
    assert rows["flat"]["macs"] == 0 and rows["flat"]["rf_jump"] is None
    assert rows["flat"]["rf_size"] == [8, 8]  # a vector sees the whole image
    assert rows["lc"]["rf_size"] == [3, 3]


def test_sequential_and_nested_models_are_expanded():
    block = keras.Sequential([keras.Input((None, None, 3)), L.Conv2D(3, 3, name="a"),
                              L.BatchNormalization(name="bn"), L.ReLU(name="relu")], name="blk")
    inputs = keras.Input((16, 16, 3))
    x = block(inputs)
    x = L.MaxPooling2D(2, name="pool")(x)
    rows = _rows(keras.Model(inputs, x))
    assert rows["blk/a"]["rf_size"] == [3, 3] and rows["blk/relu"]["rf_size"] == [3, 3]
    assert rows["blk/bn"]["params"] == 12
    # The block was built for any size; inside this model its shapes are concrete.
    assert rows["blk/a"]["output_shape"] == [None, 14, 14, 3]
    assert rows["blk/a"]["macs"] == 14 * 14 * 3 * 3 * 3 * 3
    assert rows["pool"]["rf_size"] == [4, 4] and rows["pool"]["rf_jump"] == [2, 2]
    assert rows["pool"]["output_shape"] == [None, 7, 7, 3]


def test_formatted_table_has_totals():
    inputs = keras.Input((32, 32, 3))
    x = L.Conv2D(10, 5, padding="same", name="conv")(inputs)
    text = format_layer_table(layer_table(keras.Model(inputs, x)))
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["layer", "type", "output"]
    conv_line = next(line for line in lines if line.startswith("conv"))
    assert "760" in conv_line and "5x5" in conv_line and "768,000" in conv_line
    assert lines[-1].split() == ["total", "760", "768,000"]


def test_mlp_without_spatial_axes():
    inputs = keras.Input((20,))
    rows = _rows(keras.Model(inputs, L.Dense(5, name="fc")(inputs)))
    assert rows["fc"]["rf_size"] is None and rows["fc"]["macs"] == 100
