"""LeNet-5's trainable subsampling layers S2 and S4 (LeCun et al., Gradient-Based Learning Applied
to Document Recognition, Proc. IEEE 1998, §II.B)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class TrainableSubsampling(keras.layers.Layer):
    """Per-map scaled and biased average pooling: y_c = w_c · mean(x_c over a p×p window) + b_c.

    "The four inputs to a unit in S2 are added, then multiplied by a trainable coefficient, and
    added to a trainable bias" (§II.B); using the mean instead of the sum only rescales w_c. Two
    parameters per map (S2: 6 maps, 12 parameters; S4: 16 maps, 32). The squashing function is a
    separate layer. Non-overlapping windows, channels-last input.

    Args:
        pool_size: p, window side and stride.
    """

    def __init__(self, pool_size=2, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.coefficient = self.add_weight(shape=(channels,), initializer="ones",
                                           name="coefficient")
        self.bias = self.add_weight(shape=(channels,), initializer="zeros", name="bias")

    def call(self, x):
        p = self.pool_size
        pooled = ops.average_pool(x, p, strides=p, padding="valid")
        return pooled * self.coefficient + self.bias

    def compute_output_shape(self, input_shape):
        p = self.pool_size
        h, w = input_shape[1], input_shape[2]
        return (input_shape[0], None if h is None else h // p, None if w is None else w // p,
                input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size}
