"""Precise BN: moving statistics re-estimated as the exact average over a training sample,
only while Keras's moving averages still remember their start."""

import keras
import numpy as np

from kerasvision.tasks.precise_batch_norm import (PreciseBatchNorm, batch_norm_layers,
                                                  recalibrate_batch_norm)


def bn_model():
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(4, name="dense")(inputs)
    outputs = keras.layers.BatchNormalization(momentum=0.99, name="bn")(hidden)
    return keras.Model(inputs, outputs)


def test_statistics_are_the_average_over_the_sample():
    model = bn_model()
    rng = np.random.default_rng(0)
    images = rng.normal(3.0, 2.0, (64, 4)).astype("float32")
    recalibrate_batch_norm(model, images, batch_size=16)
    features = model.get_layer("dense")(images).numpy()
    bn = model.get_layer("bn")
    np.testing.assert_allclose(bn.moving_mean.numpy(), features.mean(axis=0), rtol=1e-4,
                               atol=1e-4)
    batch_variances = np.mean([features[i:i + 16].var(axis=0) for i in range(0, 64, 16)], axis=0)
    np.testing.assert_allclose(bn.moving_variance.numpy(), batch_variances, rtol=1e-3)
    assert bn.momentum == 0.99  # restored


def test_only_while_the_moving_averages_remember_their_start():
    model = bn_model()
    model.compile(optimizer="sgd", loss="mse")
    images = np.random.default_rng(1).normal(5.0, 1.0, (32, 4)).astype("float32")
    model.fit(images, images[:, :4], batch_size=8, epochs=1, verbose=0,
              callbacks=[PreciseBatchNorm(images, batch_size=8)])  # 4 steps: re-estimated
    bn = model.get_layer("bn")
    features = model.get_layer("dense")(images).numpy()
    np.testing.assert_allclose(bn.moving_mean.numpy(), features.mean(axis=0), atol=1e-3)

    # After 500 steps (0.99^500 < 1 %) the moving averages are left as Keras keeps them.
    model.optimizer.iterations.assign(500)
    before = bn.moving_mean.numpy().copy()
    model.fit(images, images, batch_size=8, epochs=1, verbose=0,
              callbacks=[PreciseBatchNorm(images + 100.0, batch_size=8)])
    assert np.all(np.abs(bn.moving_mean.numpy() - before) < 5.0)  # not the +100 sample's


def test_nested_batch_norm_layers_are_found():
    inner = bn_model()
    outer = keras.Sequential([keras.Input((4,)), inner, keras.layers.BatchNormalization()])
    assert len(batch_norm_layers(outer)) == 2
