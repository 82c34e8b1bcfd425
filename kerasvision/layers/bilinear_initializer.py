"""Bilinear-interpolation kernels for `Conv2DTranspose` (Long et al., Fully Convolutional
Networks for Semantic Segmentation, CVPR 2015, Sec. 3.3: in-network upsampling layers are
"initialized to bilinear upsampling", then learned)."""

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="kerasvision")
class BilinearInitializer(keras.initializers.Initializer):
    """W[u, v, o, i] = δ(o, i) · (1 − |u − c|/f) · (1 − |v − c|/f), f = ⌈k/2⌉.

    c = f − 1 for odd k and f − 1/2 for even k (FCN's `upsample_filt`). With kernel
    k = 2s − (s mod 2) and stride s (`padding="same"`) a `Conv2DTranspose` then upsamples each
    channel by s with bilinear interpolation (half-pixel centres) away from the borders;
    channels do not mix. Kernel shape (kh, kw, out, in).
    """

    def __call__(self, shape, dtype=None):
        if len(shape) != 4:
            raise ValueError(f"BilinearInitializer expects a 4-D Conv2DTranspose kernel shape "
                             f"(kh, kw, out, in), got {tuple(shape)}")
        kh, kw, out_channels, in_channels = (int(d) for d in shape)
        filt = np.outer(_bilinear_1d(kh), _bilinear_1d(kw))
        kernel = np.zeros((kh, kw, out_channels, in_channels), dtype="float32")
        for c in range(min(out_channels, in_channels)):
            kernel[:, :, c, c] = filt
        return keras.ops.convert_to_tensor(kernel, dtype=dtype or keras.backend.floatx())

    def get_config(self):
        return {}


def _bilinear_1d(size):
    factor = (size + 1) // 2
    center = factor - 1 if size % 2 == 1 else factor - 0.5
    return 1.0 - np.abs(np.arange(size) - center) / factor
