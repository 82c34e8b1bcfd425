"""MaxPoolingWithArgmax2D + MaxUnpooling2D against numpy; save/load and SavedModel export."""

import numpy as np
import pytest

import keras
import tensorflow as tf

from kerasvision.layers.max_pooling_with_argmax_2d import MaxPoolingWithArgmax2D
from kerasvision.layers.max_unpooling_2d import MaxUnpooling2D


def _numpy_pool_unpool(x, k=2):
    b, h, w, c = x.shape
    pooled = np.zeros((b, h // k, w // k, c))
    unpooled = np.zeros_like(x)
    for n in range(b):
        for i in range(h // k):
            for j in range(w // k):
                for ch in range(c):
                    win = x[n, i * k:(i + 1) * k, j * k:(j + 1) * k, ch]
                    u, v = np.unravel_index(np.argmax(win), win.shape)
                    pooled[n, i, j, ch] = win[u, v]
                    unpooled[n, i * k + u, j * k + v, ch] = win[u, v]
    return pooled, unpooled


def _distinct_input(shape, seed=0):
    # A permutation: no ties, so the argmax is unambiguous.
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape).astype("float32")


def test_pool_values_and_argmax_positions():
    x = _distinct_input((2, 6, 8, 3))
    values, argmax = MaxPoolingWithArgmax2D(2)(x)
    pooled, _ = _numpy_pool_unpool(x)
    np.testing.assert_array_equal(np.asarray(values), pooled)
    assert np.asarray(argmax).dtype == np.int64
    # The index addresses the maximum in the flattened batch.
    np.testing.assert_array_equal(x.reshape(-1)[np.asarray(argmax)], pooled)


def test_unpool_puts_maxima_back_at_argmax_positions():
    x = _distinct_input((2, 6, 8, 3), seed=1)
    values, argmax = MaxPoolingWithArgmax2D(2)(x)
    got = np.asarray(MaxUnpooling2D(2)([values, argmax]))
    _, want = _numpy_pool_unpool(x)
    np.testing.assert_array_equal(got, want)
    assert np.count_nonzero(got) == values.shape[0] * 3 * 4 * 3


def test_unpool_with_like_tensor_restores_odd_size():
    x = _distinct_input((1, 5, 7, 2), seed=2)
    values, argmax = MaxPoolingWithArgmax2D(2)(x)
    got = np.asarray(MaxUnpooling2D(2)([values, argmax, x]))
    assert got.shape == x.shape
    want = np.zeros_like(x)  # the last row and column were never pooled
    _, inner = _numpy_pool_unpool(x[:, :4, :6])
    want[:, :4, :6] = inner
    np.testing.assert_array_equal(got, want)


def test_overlapping_windows_write_once_not_sum():
    x = np.zeros((1, 3, 3, 1), "float32")
    x[0, 1, 1, 0] = 5.0  # the maximum of all four 2x2 windows (stride 1)
    values, argmax = MaxPoolingWithArgmax2D(2, strides=1)(x)
    got = np.asarray(MaxUnpooling2D(1)([values, argmax, x]))
    np.testing.assert_array_equal(got, x)


def _segnet_like(batch=None):
    inputs = keras.Input((8, 8, 2), batch_size=batch)
    h = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    pooled, argmax = MaxPoolingWithArgmax2D(2, name="pool")(h)
    up = MaxUnpooling2D(2, name="unpool")([pooled, argmax])
    outputs = keras.layers.Conv2D(3, 3, padding="same")(up)
    return keras.Model(inputs, outputs)


def test_symbolic_shapes_and_dtypes():
    model = _segnet_like()
    pooled, argmax = model.get_layer("pool").output
    assert tuple(pooled.shape) == (None, 4, 4, 4) and argmax.dtype == "int64"
    assert tuple(model.output.shape) == (None, 8, 8, 3)


def test_keras_file_and_saved_model_with_dynamic_batch(tmp_path):
    keras.utils.set_random_seed(0)
    model = _segnet_like()
    path = tmp_path / "segnet_like.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 8, 8, 2)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    export = str(tmp_path / "export")
    model.export(export, format="tf_saved_model", verbose=False)
    reloaded = tf.saved_model.load(export)
    for batch in (1, 3):
        xb = rng.normal(size=(batch, 8, 8, 2)).astype("float32")
        np.testing.assert_allclose(np.asarray(reloaded.serve(xb)), model.predict(xb, verbose=0),
                                   rtol=1e-5, atol=1e-5)


def test_gradient_flows_through_pool_and_unpool():
    model = _segnet_like()
    x = tf.constant(np.random.default_rng(4).normal(size=(2, 8, 8, 2)).astype("float32"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x) ** 2)
    grads = tape.gradient(loss, model.trainable_weights)
    assert all(g is not None and np.all(np.isfinite(g)) for g in grads)
    assert np.abs(np.asarray(grads[0])).sum() > 0


def test_config_round_trip():
    pool = MaxPoolingWithArgmax2D((3, 2), strides=(1, 2), padding="same")
    clone = MaxPoolingWithArgmax2D.from_config(pool.get_config())
    assert (clone.pool_size, clone.strides, clone.padding) == ((3, 2), (1, 2), "same")
    assert MaxUnpooling2D.from_config(MaxUnpooling2D((2, 3)).get_config()).size == (2, 3)
    with pytest.raises(ValueError):
        MaxPoolingWithArgmax2D(2, padding="full")


def test_models_with_argmax_pooling_train_without_xla():
    # XLA has no MaxPoolWithArgmax; "auto" picks XLA on GPUs unless a layer opts out.
    model = _segnet_like()
    with pytest.warns(UserWarning, match="jit_compile"):
        model.compile("adam", "mse", jit_compile=True)
    assert model.jit_compile is False
    x = np.random.default_rng(5).normal(size=(2, 8, 8, 2)).astype("float32")
    history = model.fit(x, np.zeros((2, 8, 8, 3), "float32"), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_same_padding_overlapping_windows_match_keras_max_pooling():
    x = _distinct_input((2, 7, 5, 3), seed=6)
    values, argmax = MaxPoolingWithArgmax2D(3, strides=2, padding="same")(x)
    want = keras.layers.MaxPooling2D(3, strides=2, padding="same")(x)
    np.testing.assert_array_equal(np.asarray(values), np.asarray(want))
    np.testing.assert_array_equal(x.reshape(-1)[np.asarray(argmax)], np.asarray(want))
    assert MaxPoolingWithArgmax2D(3, 2, "same").compute_output_shape((None, 7, 5, 3)) == [
        (None, 4, 3, 3), (None, 4, 3, 3)]
