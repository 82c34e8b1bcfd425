"""LeNet-5 against the numbers of LeCun et al. 1998, §II.B and Table I."""

import numpy as np
import pytest

from kerasvision.layers import EuclideanRBF, PartiallyConnectedConv2D, TrainableSubsampling
from kerasvision.models import build
from kerasvision.models.classification.lenet import C3_CONNECTIONS


def _trainable(layer):
    return sum(int(np.prod(w.shape)) for w in layer.trainable_weights)


@pytest.fixture(scope="module")
def lenet():
    return build("lenet5")


def test_per_layer_parameters_match_the_paper(lenet):
    # §II.B: C1 156, S2 12, C3 1,516, S4 32, C5 48,120, F6 10,164, output 0 trainable.
    want = {"c1": 156, "s2": 12, "c3": 1516, "s4": 32, "c5": 48120, "f6": 10164, "rbf": 0}
    got = {layer.name: _trainable(layer) for layer in lenet.layers if layer.weights}
    assert got == want
    assert sum(want.values()) == 60_000
    assert lenet.get_layer("rbf").count_params() == 840


def test_connections_match_the_paper(lenet):
    # 340,908 connections: a weight shared over an output map counts once per output position;
    # a subsampling unit has 4 inputs and a bias.
    total = 0
    for layer in lenet.layers:
        if not layer.weights:
            continue
        shape = layer.output.shape
        if isinstance(layer, TrainableSubsampling):
            total += int(np.prod(shape[1:])) * 5
        elif len(shape) == 4:
            total += shape[1] * shape[2] * layer.count_params()
        else:
            total += layer.count_params()
    assert total == 340_908


def test_c3_connection_table_is_table_one():
    sizes = [len(c) for c in C3_CONNECTIONS]
    assert sizes.count(3) == 6 and sizes.count(4) == 9 and sizes.count(6) == 1
    # Rows of Table I: which C3 maps each S2 map feeds.
    rows = {0: {0, 4, 5, 6, 9, 10, 11, 12, 14, 15}, 1: {0, 1, 5, 6, 7, 10, 11, 12, 13, 15},
            2: {0, 1, 2, 6, 7, 8, 11, 13, 14, 15}, 3: {1, 2, 3, 6, 7, 8, 9, 12, 14, 15},
            4: {2, 3, 4, 7, 8, 9, 10, 12, 13, 15}, 5: {3, 4, 5, 8, 9, 10, 11, 13, 14, 15}}
    for s2, c3_maps in rows.items():
        assert {j for j, c in enumerate(C3_CONNECTIONS) if s2 in c} == c3_maps


def test_layer_shapes_and_squashing(lenet):
    shapes = {n: lenet.get_layer(n).output.shape[1:] for n in ("c1", "s2", "c3", "s4", "c5")}
    assert shapes == {"c1": (28, 28, 6), "s2": (14, 14, 6), "c3": (10, 10, 16),
                      "s4": (5, 5, 16), "c5": (1, 1, 120)}
    assert isinstance(lenet.get_layer("c3"), PartiallyConnectedConv2D)
    assert lenet.get_layer("c1_squash").amplitude == pytest.approx(1.7159)


def test_output_is_softmax_of_negative_rbf_penalties(lenet):
    x = np.random.default_rng(0).uniform(size=(3, 32, 32, 1)).astype("float32")
    import keras
    f6 = keras.Model(lenet.input, lenet.get_layer("f6_squash").output)(x)
    codes = np.asarray(lenet.get_layer("rbf").codes)
    penalties = ((np.asarray(f6)[:, :, None] - codes[None]) ** 2).sum(1)
    logits = -penalties
    want = np.exp(logits - logits.max(1, keepdims=True))
    want /= want.sum(1, keepdims=True)
    np.testing.assert_allclose(lenet.predict(x, verbose=0), want, rtol=1e-4, atol=1e-6)
    assert isinstance(lenet.get_layer("rbf"), EuclideanRBF)


def test_28x28_is_padded_to_32_and_modern_variant():
    small = build("lenet5", input_shape=(28, 28, 1))
    assert small.get_layer("pad").output.shape[1:] == (32, 32, 1)
    assert small.count_params() == build("lenet5").count_params()
    modern = build("lenet5", modern=True, input_shape=(28, 28, 1))
    names = {layer.__class__.__name__ for layer in modern.layers}
    assert "MaxPooling2D" in names and "EuclideanRBF" not in names and "ScaledTanh" not in names
    # Full C3: 16·(6·25 + 1) = 2,416 instead of 1,516; softmax Dense(84 → 10) = 850.
    assert modern.get_layer("c3").count_params() == 2416
    assert modern.get_layer("predictions").count_params() == 850
    assert build("lenet5", input_shape=(32, 32, 3), classes=5).output_shape == (None, 5)
