"""Parameter-free shortcut for a change of width (He et al., Deep Residual Learning for Image
Recognition, CVPR 2016, §3.3 option (A) and §4.2)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class ZeroPaddedIdentity(keras.layers.Layer):
    """Identity subsampled by `strides` with zero channels appended up to `filters`.

    y[n, h, w, c] = x[n, s·h, s·w, c] for c < C_in, and 0 for C_in ≤ c < filters. "The shortcut
    still performs identity mapping, with extra zero entries padded for increasing dimensions ...
    performed with a stride of 2" (§3.3, option A); it adds no parameters. The spatial size is
    ceil(H / s), as a stride-s "same" convolution gives.

    Args:
        filters: output channels (≥ input channels).
        strides: spatial subsampling factor.
    """

    def __init__(self, filters, strides=1, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.strides = int(strides)

    def build(self, input_shape):
        if input_shape[-1] > self.filters:
            raise ValueError(f"cannot zero-pad {input_shape[-1]} channels down to {self.filters}")

    def call(self, x):
        s = self.strides
        if s > 1:
            x = x[:, ::s, ::s, :]
        extra = self.filters - x.shape[-1]
        if extra:
            # The paper only says zero entries are padded; they go after the identity channels.
            x = ops.pad(x, [[0, 0], [0, 0], [0, 0], [0, extra]])
        return x

    def compute_output_shape(self, input_shape):
        s = self.strides
        h, w = input_shape[1], input_shape[2]
        h = None if h is None else -(-h // s)
        w = None if w is None else -(-w // s)
        return (input_shape[0], h, w, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "strides": self.strides}
