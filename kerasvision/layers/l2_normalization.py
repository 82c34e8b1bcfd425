"""Channel-wise L2 normalisation with a learned per-channel scale (Liu, Rabinovich & Berg,
ParseNet: Looking Wider to See Better, 2015, §3.3), as SSD applies it to VGG16's conv4_3,
whose activations are larger than the deeper maps' (SSD §3.1; initial scale 20)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class L2Normalization(keras.layers.Layer):
    """x / ||x||₂ over the channel axis (last), times a learned scale per channel.

    Args:
        scale: initial value of every channel's scale (20 in SSD).
        epsilon: added to the squared norm, so that an all-zero position stays finite.
    """

    def __init__(self, scale=20.0, epsilon=1e-10, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(scale)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        self.gamma = self.add_weight(name="gamma", shape=(input_shape[-1],),
                                     initializer=keras.initializers.Constant(self.scale))

    def call(self, x):
        norm = ops.sqrt(ops.sum(ops.square(x), axis=-1, keepdims=True) + self.epsilon)
        return x / norm * self.gamma

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "epsilon": self.epsilon}
