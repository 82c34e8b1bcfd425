"""Local response normalisation (Krizhevsky, Sutskever & Hinton, ImageNet Classification with
Deep Convolutional Neural Networks, NIPS 2012, §3.3)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class LocalResponseNormalization(keras.layers.Layer):
    """Brightness normalisation across neighbouring channels (AlexNet, §3.3).

    b^i = a^i / (k + α Σ_{j=max(0, i−n/2)}^{min(N−1, i+n/2)} (a^j)²)^β,

    summed over `n = 2·depth_radius + 1` adjacent channels at the same position. The defaults are
    the paper's k = 2, n = 5, α = 1e-4, β = 0.75; α multiplies the plain sum (as in the paper and
    `tf.nn.local_response_normalization`), not the mean as in Caffe. Channels-last input.

    Args:
        depth_radius: n/2, the half-width of the channel window.
        bias: k.
        alpha: α.
        beta: β.
    """

    def __init__(self, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        self.depth_radius = int(depth_radius)
        self.bias = float(bias)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def call(self, x):
        if keras.backend.backend() == "tensorflow" and len(x.shape) == 4:
            # The same formula as TensorFlow's fused kernel, which issue 14's benchmark
            # measured 3.4× faster than the shifted sums below (benchmarks/RESULTS.md).
            import tensorflow as tf

            return tf.nn.local_response_normalization(x, self.depth_radius, self.bias,
                                                      self.alpha, self.beta)
        return self.window_sums_call(x)

    def window_sums_call(self, x):
        """The formula in Keras ops, for other backends and ranks (the tests hold it to
        TensorFlow's kernel)."""
        channels = x.shape[-1]
        r = self.depth_radius
        squared = ops.square(x)
        pad = [[0, 0]] * (len(x.shape) - 1) + [[r, r]]
        padded = ops.pad(squared, pad)
        # Window sum as 2r + 1 static shifted slices (no control flow on tensors).
        window_sum = padded[..., 0:channels]
        for shift in range(1, 2 * r + 1):
            window_sum = window_sum + padded[..., shift:shift + channels]
        return x / ops.power(self.bias + self.alpha * window_sum, self.beta)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "depth_radius": self.depth_radius, "bias": self.bias,
                "alpha": self.alpha, "beta": self.beta}
