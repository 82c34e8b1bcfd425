"""Weight normalisation (Salimans & Kingma, Weight Normalization: A Simple Reparameterization to
Accelerate Training of Deep Neural Networks, NIPS 2016)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class WeightNormalization(keras.layers.Wrapper):
    """Reparameterises a Dense layer's weight vectors as w = g · v / ‖v‖ (eq. 2).

    Each output unit's incoming weight vector is split into a direction `v` (the wrapped layer's
    own kernel) and a learned scale `g`, decoupling direction and magnitude as batch
    normalisation does, without depending on the batch. `g` starts at ‖v‖, so the wrapped layer's
    initial function is unchanged.

    Args:
        layer: a `keras.layers.Dense` layer.
        epsilon: guards ‖v‖ against zero.
    """

    def __init__(self, layer, epsilon=1e-12, **kwargs):
        if not isinstance(layer, keras.layers.Dense):
            raise ValueError("WeightNormalization wraps a keras.layers.Dense layer, "
                             f"got {type(layer).__name__}")
        super().__init__(layer, **kwargs)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(input_shape)
        v = self.layer.kernel
        self.g = self.add_weight(name="g", shape=(v.shape[-1],), initializer="ones")
        # g = ‖v‖ at start: the reparameterised layer computes what the wrapped one did.
        self.g.assign(ops.sqrt(ops.sum(ops.square(v), axis=0)))
        self.built = True

    def normalized_kernel(self):
        """w = g · v / ‖v‖, per output unit (columns of the Dense kernel)."""
        v = self.layer.kernel
        norm = ops.sqrt(ops.sum(ops.square(v), axis=0) + self.epsilon)
        return v * (self.g / norm)

    def call(self, x):
        y = ops.matmul(x, self.normalized_kernel())
        if self.layer.use_bias:
            y = y + self.layer.bias
        if self.layer.activation is not None:
            y = self.layer.activation(y)
        return y

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
