"""Convolution with a connection table between input and output maps (LeCun et al.,
Gradient-Based Learning Applied to Document Recognition, Proc. IEEE 1998, §II.B, Table I)."""

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class PartiallyConnectedConv2D(keras.layers.Layer):
    """A 2-D convolution whose output map j sees only the input maps `connections[j]`.

    y_j = b_j + Σ_{i ∈ connections[j]} k_{ij} ∗ x_i (valid or same padding, stride 1).

    Only the kernels of existing connections are parameters: Σ_j |connections[j]|·kh·kw weights
    plus one bias per output map. LeNet-5's C3 (Table I: 6 maps see 3 S2 maps, 9 see 4, one sees
    all 6) has 60·25 + 16 = 1,516. The kernels are placed into a dense kernel by a constant 0/1
    matrix, so the convolution itself is one ordinary `conv`.

    Args:
        connections: one list of input-map indices per output map.
        kernel_size: int or (kh, kw).
        padding: "valid" or "same".
        use_bias: add b_j.
    """

    def __init__(self, connections, kernel_size, padding="valid", use_bias=True,
                 kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.connections = [sorted(int(i) for i in c) for c in connections]
        if any(len(c) == 0 for c in self.connections):
            raise ValueError("every output map needs at least one input map")
        k = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size, kernel_size)
        self.kernel_size = tuple(int(v) for v in k)
        self.padding = padding
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.filters = len(self.connections)

    def build(self, input_shape):
        in_maps = int(input_shape[-1])
        if max(max(c) for c in self.connections) >= in_maps:
            raise ValueError(f"connection table refers to map ≥ {in_maps} input maps")
        n = sum(len(c) for c in self.connections)
        # placement[t, i * filters + j] = 1 for the t-th connection (input i → output j).
        placement = np.zeros((n, in_maps * self.filters), "float32")
        t = 0
        for j, inputs in enumerate(self.connections):
            for i in inputs:
                placement[t, i * self.filters + j] = 1.0
                t += 1
        self._placement = placement
        self._in_maps = in_maps
        self.kernel = self.add_weight(shape=(*self.kernel_size, n),
                                      initializer=self.kernel_initializer, name="kernel")
        self.bias = (self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")
                     if self.use_bias else None)

    def dense_kernel(self):
        """The (kh, kw, in_maps, filters) kernel with zeros where the table has no connection."""
        placed = ops.matmul(self.kernel, ops.convert_to_tensor(self._placement))
        return ops.reshape(placed, (*self.kernel_size, self._in_maps, self.filters))

    def call(self, x):
        y = ops.conv(x, self.dense_kernel(), strides=1, padding=self.padding)
        if self.use_bias:
            y = y + self.bias
        return y

    def compute_output_shape(self, input_shape):
        h, w = input_shape[1], input_shape[2]
        if self.padding == "valid":
            h = None if h is None else h - self.kernel_size[0] + 1
            w = None if w is None else w - self.kernel_size[1] + 1
        return (input_shape[0], h, w, self.filters)

    def get_config(self):
        return {**super().get_config(), "connections": self.connections,
                "kernel_size": self.kernel_size, "padding": self.padding,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}
