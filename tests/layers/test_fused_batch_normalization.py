"""FusedBatchNormalization is Keras's BatchNormalization through TensorFlow's fused kernel:
the same outputs, gradients and moving statistics, in float32 and under mixed bfloat16."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasvision.layers import FusedBatchNormalization


def pair(momentum=0.9, **kwargs):
    layers = [keras.layers.BatchNormalization(momentum=momentum, **kwargs),
              FusedBatchNormalization(momentum=momentum, **kwargs)]
    for layer in layers:
        layer.build((None, 5, 6, 7))
        if layer.scale:
            layer.gamma.assign(np.linspace(0.5, 2.0, 7))
        if layer.center:
            layer.beta.assign(np.linspace(-1.0, 1.0, 7))
    return layers


def run(layer, x, weights):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = tf.reduce_sum(tf.cast(y, tf.float32) * weights)
    trainable = [w.value for w in layer.trainable_weights]
    grads = tape.gradient(loss, [x, *trainable])
    return [y, *grads, layer.moving_mean, layer.moving_variance, layer(x, training=False)]


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
@pytest.mark.parametrize("options", [{}, {"center": False, "scale": False, "epsilon": 1.001e-5}])
def test_same_outputs_gradients_and_moving_statistics_as_keras(policy, options):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(2.0, 3.0, (8, 5, 6, 7)).astype("float32"))
    weights = tf.constant(rng.normal(size=(8, 5, 6, 7)).astype("float32"))
    keras.mixed_precision.set_global_policy(policy)
    try:
        keras_bn, fused = pair(**options)
        want, got = run(keras_bn, x, weights), run(fused, x, weights)
        for _ in range(3):  # moving averages over several steps
            keras_bn(x * 1.5, training=True), fused(x * 1.5, training=True)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    tolerance = 1e-4 if policy == "float32" else 2e-2
    for expected, actual in zip(want, got):
        np.testing.assert_allclose(np.asarray(tf.cast(actual, tf.float32)),
                                   np.asarray(tf.cast(expected, tf.float32)),
                                   rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(np.asarray(fused.moving_variance),
                               np.asarray(keras_bn.moving_variance), rtol=1e-5)
    assert got[0].dtype == want[0].dtype


def test_other_ranks_and_axes_fall_back_to_keras():
    x = np.random.default_rng(1).normal(size=(6, 4)).astype("float32")
    keras_bn, fused = keras.layers.BatchNormalization(), FusedBatchNormalization()
    np.testing.assert_allclose(np.asarray(fused(x, training=True)),
                               np.asarray(keras_bn(x, training=True)), atol=1e-6)
    images = np.random.default_rng(2).normal(size=(2, 3, 4, 5)).astype("float32")
    first_axis = FusedBatchNormalization(axis=1)
    assert not first_axis._fusable(tf.constant(images), None)
    assert first_axis(images, training=True).shape == (2, 3, 4, 5)


def test_keras_file_round_trip(tmp_path):
    inputs = keras.Input((5, 6, 7))
    model = keras.Model(inputs, FusedBatchNormalization(name="bn")(inputs))
    model.layers[-1].moving_mean.assign(np.arange(7.0))
    model.save(tmp_path / "bn.keras")
    loaded = keras.saving.load_model(tmp_path / "bn.keras", safe_mode=True)
    assert type(loaded.layers[-1]) is FusedBatchNormalization
    x = np.ones((2, 5, 6, 7), np.float32)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)))


def _traced_op_types(function, x):
    return {op.type for op in function.get_concrete_function(x).graph.get_operations()}


def test_an_xla_compiled_step_uses_kerass_ops_and_computes_the_same():
    # XLA fuses Keras's separate moments and normalisation itself and handles the fused
    # kernel worse (benchmarks/RESULTS.md, issue 14's fourth session), so under
    # jit_compile=True the layer is Keras's; without XLA it is the fused kernel.
    x = tf.constant(np.random.default_rng(3).normal(1.0, 2.0, (4, 5, 6, 7)).astype("float32"))
    keras_bn, fused = pair()
    plain = tf.function(lambda t: fused(t, training=True))
    compiled = tf.function(lambda t: fused(t, training=True), jit_compile=True)
    assert "FusedBatchNormV3" in _traced_op_types(plain, x)
    assert "FusedBatchNormV3" not in _traced_op_types(compiled, x)
    np.testing.assert_allclose(np.asarray(compiled(x)), np.asarray(keras_bn(x, training=True)),
                               rtol=1e-4, atol=1e-4)
