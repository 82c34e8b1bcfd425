"""The threshold unit of McCulloch & Pitts (1943) and Rosenblatt's perceptron (1957)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class Sign(keras.layers.Layer):
    """Hard threshold: `1` where x ≥ 0, else `low` (sign(0) = +1).

    With `low=-1` this is the perceptron's sign(wᵀφ(x)); with `low=0` it is the step unit of the
    lecture's binary look-up MLP, "sign(y) = 1 if y ≥ 0, 0 otherwise". Its derivative is zero
    almost everywhere, which is why the perceptron is trained by its own rule rather than by
    back-propagation ("sign activation prevents learning").

    Args:
        low: the output for negative inputs (-1 or 0).
    """

    def __init__(self, low=-1.0, **kwargs):
        super().__init__(**kwargs)
        self.low = float(low)

    def call(self, x):
        return ops.where(x >= 0, ops.ones_like(x), ops.full_like(x, self.low))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "low": self.low}
