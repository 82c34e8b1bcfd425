import numpy as np
import pytest

import keras

from kerasvision.layers.drop_connect import DropConnectDense
from kerasvision.layers.maxout import Maxout
from kerasvision.layers.weight_normalization import WeightNormalization
from kerasvision.models import build

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], "float32")
XOR_Y = np.array([0, 1, 1, 0], "int32")


def test_two_layer_mlp_separates_xor():
    keras.utils.set_random_seed(0)
    model = build("mlp", input_shape=(2,), hidden_units=(4,), classes=2, activation="tanh",
                  learning_rate=0.05, seed=0)
    # 300 passes over the four points, as 6 epochs over 50 copies (fewer per-epoch overheads).
    model.fit(np.tile(XOR_X, (50, 1)), np.tile(XOR_Y, 50), epochs=6, batch_size=4, verbose=0)
    np.testing.assert_array_equal(model.predict(XOR_X, verbose=0).argmax(-1), XOR_Y)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "maxout"])
def test_activations_build_and_output_a_softmax(activation):
    model = build("mlp", input_shape=(5,), hidden_units=(6, 4, 3), classes=4,
                  activation=activation)
    p = model.predict(np.random.default_rng(0).normal(size=(7, 5)), verbose=0)
    assert p.shape == (7, 4)
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-5)
    assert model.loss == "sparse_categorical_crossentropy"
    assert (sum(isinstance(layer, Maxout) for layer in model.layers) == 3) == (
        activation == "maxout")


def test_leaky_relu_is_max_of_alpha_x_and_x():
    model = build("mlp", input_shape=(3,), hidden_units=(4,), classes=2,
                  activation="leaky_relu", leaky_alpha=0.2)
    act = model.get_layer("mlp_act1")
    z = np.array([[-2.0, -0.5, 0.0, 3.0]], "float32")
    np.testing.assert_allclose(np.asarray(act(z)), np.maximum(0.2 * z, z))


def test_maxout_mlp_with_a_zero_piece_is_the_relu_mlp():
    rng = np.random.default_rng(1)
    relu = build("mlp", input_shape=(5,), hidden_units=(6, 4), classes=3, activation="relu")
    maxout = build("mlp", input_shape=(5,), hidden_units=(6, 4), classes=3,
                   activation="maxout", maxout_pieces=2)
    for i in (1, 2):
        w, b = relu.get_layer(f"mlp_fc{i}").get_weights()
        kernel = np.zeros((w.shape[0], 2, w.shape[1]), "float32")
        kernel[:, 0] = w
        bias = np.zeros((2, w.shape[1]), "float32")
        bias[0] = b
        maxout.get_layer(f"mlp_maxout{i}").set_weights([kernel, bias])
    maxout.get_layer("mlp_predictions").set_weights(relu.get_layer("mlp_predictions").get_weights())
    x = rng.normal(size=(20, 5)).astype("float32")
    np.testing.assert_array_equal(maxout.predict(x, verbose=0), relu.predict(x, verbose=0))


def _hidden_kernels(model):
    return [model.get_layer(f"mlp_fc{i}").get_weights()[0] for i in (1, 2)]


def test_zero_initialisation_never_breaks_symmetry_but_he_does():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = rng.integers(0, 3, size=64).astype("int32")
    kernels = {}
    for init in ("zeros", "he_normal_fan_in"):
        keras.utils.set_random_seed(0)
        model = build("mlp", input_shape=(5,), hidden_units=(6, 4), classes=3,
                      activation="sigmoid", initializer=init, learning_rate=0.05, seed=0)
        model.fit(x, y, epochs=15, batch_size=16, verbose=0)
        kernels[init] = _hidden_kernels(model)
    for w in kernels["zeros"]:  # every hidden unit of a layer: the same weights
        np.testing.assert_allclose(w, np.repeat(w[:, :1], w.shape[1], axis=1), atol=1e-6)
    assert np.abs(kernels["zeros"][1]).max() > 1e-4  # ... though they did train
    for w in kernels["he_normal_fan_in"]:
        assert np.abs(w - w[:, :1]).max() > 1e-2


def test_he_initialisation_fan_in_and_fan_out():
    stds = {}
    for init in ("he_normal_fan_in", "he_normal_fan_out"):
        model = build("mlp", input_shape=(800,), hidden_units=(200,), classes=10,
                      initializer=init, seed=3)
        stds[init] = model.get_layer("mlp_fc1").get_weights()[0].std()
    # Gaussian, std sqrt(2/n): n = 800 inputs, or n = 200 outputs (the lecture's version).
    np.testing.assert_allclose(stds["he_normal_fan_in"], np.sqrt(2 / 800), rtol=0.03)
    np.testing.assert_allclose(stds["he_normal_fan_out"], np.sqrt(2 / 200), rtol=0.03)


def test_batch_norm_sits_between_fc_and_nonlinearity():
    model = build("mlp", input_shape=(4,), hidden_units=(3, 3), classes=2, batch_norm=True)
    names = [layer.name for layer in model.layers]
    for i in (1, 2):
        assert names.index(f"mlp_fc{i}") + 1 == names.index(f"mlp_bn{i}")
        assert names.index(f"mlp_bn{i}") + 1 == names.index(f"mlp_act{i}")
        assert not model.get_layer(f"mlp_fc{i}").use_bias  # BN's β is the bias


def test_weight_decay_is_l2_on_every_kernel():
    model = build("mlp", input_shape=(4,), hidden_units=(3, 5), classes=2, weight_decay=1e-2)
    kernels = [layer.kernel for layer in model.layers if hasattr(layer, "kernel")]
    assert len(kernels) == 3
    want = 1e-2 * sum(float(np.sum(np.square(k.numpy()))) for k in kernels)
    np.testing.assert_allclose(float(sum(model.losses)), want, rtol=1e-5)


def test_dense_skip_connections_feed_every_later_layer():
    model = build("mlp", input_shape=(4,), hidden_units=(3, 5, 2), classes=2, dense_skip=True)
    dims = [model.get_layer(n).kernel.shape[0] for n in ("mlp_fc1", "mlp_fc2", "mlp_fc3",
                                                          "mlp_predictions")]
    assert dims == [4, 4 + 3, 4 + 3 + 5, 4 + 3 + 5 + 2]


def test_dropout_dropconnect_and_weight_norm_options():
    m = build("mlp", input_shape=(4,), hidden_units=(8, 8), classes=2, dropout=0.3)
    assert [layer.rate for layer in m.layers if isinstance(layer, keras.layers.Dropout)] == [0.3] * 2
    m = build("mlp", input_shape=(4,), hidden_units=(8, 8), classes=2, drop_connect=0.4)
    assert [layer.rate for layer in m.layers if isinstance(layer, DropConnectDense)] == [0.4] * 2
    m = build("mlp", input_shape=(4,), hidden_units=(8, 8), classes=2, weight_norm=True)
    assert sum(isinstance(layer, WeightNormalization) for layer in m.layers) == 3
    x = np.random.default_rng(4).normal(size=(16, 4)).astype("float32")
    y = np.random.default_rng(5).integers(0, 2, 16)
    assert np.isfinite(m.fit(x, y, epochs=1, verbose=0).history["loss"][-1])
    with pytest.raises(ValueError):
        build("mlp", activation="maxout", weight_norm=True)
    with pytest.raises(ValueError):
        build("mlp", activation="swish")


@pytest.mark.parametrize("options", [
    {"weight_norm": True, "dense_skip": True, "dropout": 0.2},
    {"activation": "maxout", "batch_norm": True, "weight_decay": 1e-4},
    {"drop_connect": 0.3, "activation": "leaky_relu", "initializer": "he_normal_fan_out"},
])
def test_options_survive_keras_save_and_load(options, tmp_path):
    model = build("mlp", input_shape=(4,), hidden_units=(5, 3), classes=2, **options)
    x = np.random.default_rng(6).normal(size=(8, 4)).astype("float32")
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
