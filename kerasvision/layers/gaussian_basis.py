"""Gaussian radial basis functions with learned centres and widths (Moody & Darken, Fast
Learning in Networks of Locally-Tuned Processing Units, Neural Computation 1989; Bishop, Neural
Networks for Pattern Recognition, 1995, ch. 5)."""

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class GaussianBasis(keras.layers.Layer):
    """φᵢ(x; θᵢ) = exp(−‖x − cᵢ‖² / (2σᵢ²)) for `units` basis functions, θᵢ = (cᵢ, σᵢ).

    The lecture's alternative to kernels: "fix the number of basis functions in advance ... learn
    the parameters of basis functions and linear function" (f(x) = Σᵢ αᵢ φᵢ(x; θᵢ)). Centres and
    widths are trainable; widths are stored as log σ so that they stay positive.

    Args:
        units: number of basis functions.
        centers_initializer: initial centres, shape `(units, input_dim)`.
        width: initial σ of every basis function.
    """

    def __init__(self, units, centers_initializer="random_uniform", width=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.centers_initializer = keras.initializers.get(centers_initializer)
        self.width = float(width)

    def build(self, input_shape):
        self.centers = self.add_weight(name="centers", shape=(self.units, int(input_shape[-1])),
                                       initializer=self.centers_initializer)
        self.log_widths = self.add_weight(
            name="log_widths", shape=(self.units,),
            initializer=keras.initializers.Constant(math.log(self.width)))

    def call(self, x):
        sq = (ops.sum(ops.square(x), axis=-1, keepdims=True)
              - 2.0 * ops.matmul(x, ops.transpose(self.centers))
              + ops.sum(ops.square(self.centers), axis=-1))
        sigma2 = ops.exp(2.0 * self.log_widths)
        return ops.exp(-ops.maximum(sq, 0.0) / (2.0 * sigma2))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "centers_initializer": keras.initializers.serialize(self.centers_initializer),
                "width": self.width}
