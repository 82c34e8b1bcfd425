"""Maxout units (Goodfellow et al., Maxout Networks, ICML 2013)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class Maxout(keras.layers.Layer):
    """Maxout unit: h_j(x) = max_k (w_kjᵀx + b_kj) over `pieces` linear functions (eq. 1).

    The lecture's `max(w₁ᵀx, w₂ᵀx)`: with two pieces and one held at zero this is exactly ReLU,
    so maxout networks can implement ReLU networks (and, with more pieces, any convex
    piecewise-linear activation).

    Args:
        units: number of output units.
        pieces: linear pieces per unit (k in the paper).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer: as in Dense.

    The kernel has shape `(input_dim, pieces, units)`, the bias `(pieces, units)`.
    """

    def __init__(self, units, pieces=2, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 **kwargs):
        super().__init__(**kwargs)
        if units < 1 or pieces < 1:
            raise ValueError(f"units and pieces must be positive, got {units}, {pieces}")
        self.units = int(units)
        self.pieces = int(pieces)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)

    def build(self, input_shape):
        input_dim = int(input_shape[-1])
        self.kernel = self.add_weight(
            name="kernel", shape=(input_dim, self.pieces, self.units),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.pieces, self.units),
                initializer=self.bias_initializer, regularizer=self.bias_regularizer)

    def call(self, x):
        # z[..., k, j] = w_kjᵀx + b_kj, then the max over the k pieces.
        z = ops.tensordot(x, self.kernel, axes=1)
        if self.use_bias:
            z = z + self.bias
        return ops.max(z, axis=-2)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "pieces": self.pieces,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
        })
        return config
