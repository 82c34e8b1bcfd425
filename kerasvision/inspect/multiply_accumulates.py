"""Multiply-accumulates of one layer call, per example (batch of one).

Each weight of a convolution is used once per output position (once per *input* position for
a transposed convolution); each weight of a dense layer once per vector it is applied to.
Layers without kernels (pooling, normalisation, activations) count as 0.
"""

import math


def layer_macs(layer, input_shapes, output_shapes):
    """MACs of `layer` mapping `input_shapes` to `output_shapes`; None if a shape is unknown."""
    kernels = [w for w in getattr(layer, "weights", []) if "kernel" in w.path.split("/")[-1]]
    if not kernels:
        return 0
    weights = sum(math.prod(w.shape) for w in kernels)
    name = type(layer).__name__
    in_shape, out_shape = input_shapes[0], output_shapes[0]
    if name == "LocallyConnected2D":
        return weights  # unshared: every weight is used at exactly one position
    if "Transpose" in name:
        positions = in_shape[1:-1]
    elif hasattr(layer, "kernel_size"):
        positions = out_shape[1:-1]
    else:  # Dense / EinsumDense act on the last axis at every other position
        positions = in_shape[1:-1]
    if any(p is None for p in positions):
        return None
    return math.prod(positions) * weights
