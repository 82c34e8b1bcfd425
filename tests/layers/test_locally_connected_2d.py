"""LocallyConnected2D against an explicit numpy loop over patches."""

import numpy as np
import pytest

import keras

from kerasvision.layers.locally_connected_2d import LocallyConnected2D


def _numpy_locally_connected(x, kernel, bias, kernel_size, strides, out_hw):
    kh, kw = kernel_size
    sh, sw = strides
    oh, ow = out_hw
    out = np.zeros((x.shape[0], oh, ow, kernel.shape[-1]))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :].reshape(x.shape[0], -1)
            out[:, i, j, :] = patch @ kernel[i * ow + j] + bias[i, j]
    return out


@pytest.mark.parametrize("kernel_size,strides", [((3, 3), (1, 1)), ((3, 2), (2, 3)),
                                                 ((1, 1), (1, 1))])
def test_matches_numpy_patch_loop(kernel_size, strides):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 7, 8, 3)).astype("float32")
    layer = LocallyConnected2D(4, kernel_size, strides=strides, bias_initializer="random_normal")
    y = np.asarray(layer(x))
    kernel, bias = (np.asarray(w) for w in layer.get_weights())
    want = _numpy_locally_connected(x, kernel, bias, kernel_size, strides, y.shape[1:3])
    assert y.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(y, want, rtol=1e-4, atol=1e-5)


def test_weights_are_unshared_and_counted():
    layer = LocallyConnected2D(10, 5, strides=1)
    layer.build((None, 32, 32, 3))
    # 28x28 positions, each with its own 5*5*3 x 10 kernel and 10 biases.
    assert layer.count_params() == 28 * 28 * (5 * 5 * 3 * 10 + 10)


def test_same_padding_equals_conv2d_when_weights_are_tied():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 6, 5, 2)).astype("float32")
    conv = keras.layers.Conv2D(3, 3, strides=2, padding="same", use_bias=False)
    want = np.asarray(conv(x))
    layer = LocallyConnected2D(3, 3, strides=2, padding="same", use_bias=False)
    layer.build(x.shape)
    shared = np.asarray(conv.kernel).reshape(1, 3 * 3 * 2, 3)
    layer.set_weights([np.repeat(shared, layer.out_h * layer.out_w, axis=0)])
    np.testing.assert_allclose(np.asarray(layer(x)), want, rtol=1e-4, atol=1e-5)


def test_config_round_trip_and_keras_file(tmp_path):
    inputs = keras.Input((6, 6, 2))
    outputs = LocallyConnected2D(3, 3, strides=1, activation="relu", name="lc")(inputs)
    model = keras.Model(inputs, outputs)
    config = model.get_layer("lc").get_config()
    assert config["kernel_size"] == (3, 3) and config["activation"] == "relu"
    x = np.random.default_rng(2).normal(size=(2, 6, 6, 2)).astype("float32")
    path = tmp_path / "lc.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_needs_fixed_spatial_size():
    with pytest.raises(ValueError, match="fixed input height"):
        LocallyConnected2D(2, 3)(keras.Input((None, None, 3)))


def test_saved_model_export_with_dynamic_batch(tmp_path):
    import tensorflow as tf

    inputs = keras.Input((5, 5, 2))
    model = keras.Model(inputs, LocallyConnected2D(2, 2, strides=(1, 2))(inputs))
    path = str(tmp_path / "export")
    model.export(path, format="tf_saved_model", verbose=False)
    reloaded = tf.saved_model.load(path)
    for batch in (1, 3):
        x = np.random.default_rng(batch).normal(size=(batch, 5, 5, 2)).astype("float32")
        np.testing.assert_allclose(np.asarray(reloaded.serve(x)), model.predict(x, verbose=0),
                                   rtol=1e-5, atol=1e-5)
