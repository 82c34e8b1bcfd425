"""DropConnect (Wan, Zeiler, Zhang, LeCun & Fergus, Regularization of Neural Networks using
DropConnect, ICML 2013)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class DropConnectDense(keras.layers.Dense):
    """A Dense layer whose *weights* are dropped while training: r = a((M ⋆ W) v) (eq. 2).

    Dropout zeroes units (activations); DropConnect zeroes individual connections, each kept
    with probability 1 − rate. One mask is drawn per batch and kept weights are scaled by
    1 / (1 − rate), so inference uses the plain mean network W (the paper instead
    moment-matches a Gaussian at inference; the mean network is its common simplification).

    Args:
        units: output units.
        rate: probability of dropping each connection.
        seed: seed of the mask generator.
        **kwargs: the remaining `keras.layers.Dense` arguments.
    """

    def __init__(self, units, rate=0.5, seed=None, **kwargs):
        super().__init__(units, **kwargs)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"rate must be in [0, 1), got {rate}")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        kernel = self.kernel
        if training and self.rate > 0:
            keep = 1.0 - self.rate
            mask = keras.random.uniform(ops.shape(kernel), seed=self.seed_generator) < keep
            kernel = ops.where(mask, kernel / keep, ops.zeros_like(kernel))
        y = ops.matmul(x, kernel)
        if self.use_bias:
            y = y + self.bias
        if self.activation is not None:
            y = self.activation(y)
        return y

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
