"""Total dropout (Fourure, Emonet, Fromont, Muselet, Trémeau & Wolf, Residual Conv-Deconv Grid
Network for Semantic Segmentation, BMVC 2017, §3): a whole residual unit is dropped at once,
so that the identity path alone carries the signal and every stream of the grid gets trained."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class TotalDropout(keras.layers.Layer):
    """While training, the whole input is zeroed with probability `rate`, one draw per call
    (per batch), not per activation; otherwise it passes, scaled by 1 / (1 − rate).

    Placed on the residual branch of a unit (`x + TotalDropout(rate)(F(x))`), it drops the
    unit: the output is then `x`. The scaling of kept batches (as inverted dropout does for
    activations) makes the training-time expectation `x + F(x)`, so the layer is the
    identity at inference and nothing needs rescaling there.

    Args:
        rate: probability of dropping the whole input in a training call, in [0, 1).
        seed: seed of the draws.
        **kwargs: keras.layers.Layer arguments.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"rate must be in [0, 1), got {rate}")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        if not training or self.rate == 0.0:
            return x
        keep = keras.random.uniform((), seed=self.seed_generator) >= self.rate
        return x * ops.cast(keep, x.dtype) / (1.0 - self.rate)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
