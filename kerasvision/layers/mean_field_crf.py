"""Mean-field inference in a CRF as a trainable Keras layer: CRF-as-RNN (Zheng, Jayasumana,
Romera-Paredes, Vineet, Su, Du, Huang & Torr, Conditional Random Fields as Recurrent Neural
Networks, ICCV 2015, §4) with its message passing computed over a local window, the ConvCRF
approximation (Teichmann & Cipolla, Convolutional CRFs for Semantic Segmentation, BMVC 2019,
arXiv 2018: pixels farther apart than the window's half-size are taken as independent).

The CRF is Krähenbühl & Koltun's (Efficient Inference in Fully Connected CRFs with Gaussian
Edge Potentials, NIPS 2011, eq. 3): a smoothness kernel exp(-|p_i - p_j|² / 2θγ²) and an
appearance (bilateral) kernel exp(-|p_i - p_j|² / 2θα² - |I_i - I_j|² / 2θβ²). As in their
released code (and so as kerasvision.models.segmentation.dense_crf computes), each kernel
includes the pixel itself and is normalised symmetrically, K̃ = D^-1/2 K D^-1/2 with
D = K·1 summed over the pixels inside the image and the window. One iteration is

    Q = softmax(logits)                                         (before the first)
    m = w_s K̃_s Q + w_a K̃_a Q                                    (message passing, weighting)
    Q = softmax(logits - m μᵀ)                                  (compatibility, update)

with the kernel weights w_s, w_a and the compatibility matrix μ (C × C, initialised to Potts,
μ(l, l') = [l != l']) learned, as in CRF-as-RNN; θγ, θα, θβ are fixed. With a window that
covers the whole image the layer is the exact dense CRF, which the permutohedral lattice of the
C++ code approximates. The layer returns the logits of the last update, so stacking a softmax
(or a from-logits loss) after it gives Q.

Cost: the smoothness kernel is a separable Gaussian, so its message is two 1-D depthwise
convolutions (zero padding is "outside the image"; its degree D is the same convolution of
ones): H·W·2·window·C. The appearance kernel depends on the colours, so it holds window²
values per pixel and every iteration gathers window² shifted copies of Q: memory and time
grow with H·W·window²·C, a layer for small resolutions (the ConvCRF paper downsamples before it; a 64 × 64 map with an 11 × 11 window and
11 classes is about 20 MB per image and iteration).
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class MeanFieldCRF(keras.layers.Layer):
    """Refined logits (B, H, W, C) from unary logits (B, H, W, C) and an image (B, H, W, ch).

    Call it on a pair: `MeanFieldCRF()([logits, image])`. The image is in the units θβ is
    given in (0-255 pixels for the defaults) and may have any number of channels; H and W may
    be None (the kernels are computed per call).

    Args:
        iterations: T, mean-field iterations (CRF-as-RNN trains with 5 and tests with 10).
        window: odd side of the square neighbourhood messages come from; at least
            2·max(H, W) - 1 makes the layer exact.
        smoothness_theta: θγ in pixels.
        appearance_theta: (θα in pixels, θβ in image units).
        smoothness_weight, appearance_weight: initial w_s, w_a (learned).
    """

    def __init__(self, iterations=5, window=11, smoothness_theta=3.0,
                 appearance_theta=(80.0, 13.0), smoothness_weight=3.0,
                 appearance_weight=10.0, **kwargs):
        super().__init__(**kwargs)
        if int(window) < 1 or int(window) % 2 == 0:
            raise ValueError(f"window must be a positive odd size, got {window}")
        if int(iterations) < 0:
            raise ValueError(f"iterations must be >= 0, got {iterations}")
        self.iterations = int(iterations)
        self.window = int(window)
        self.smoothness_theta = float(smoothness_theta)
        self.appearance_theta = tuple(float(t) for t in appearance_theta)
        self.smoothness_weight = float(smoothness_weight)
        self.appearance_weight = float(appearance_weight)

    def build(self, input_shape):
        logits_shape, image_shape = input_shape
        classes = logits_shape[-1]
        if classes is None or image_shape[-1] is None:
            raise ValueError("MeanFieldCRF needs known class and image channel counts")
        self.kernel_weights = self.add_weight(
            name="kernel_weights", shape=(2,),
            initializer=keras.initializers.Constant(
                [self.smoothness_weight, self.appearance_weight]))
        self.compatibility = self.add_weight(
            name="compatibility", shape=(classes, classes),
            initializer=_potts)

    def call(self, inputs):
        logits, image = inputs
        image = ops.cast(image, logits.dtype)
        smoothness_root = ops.rsqrt(self._smoothness_sum(ops.ones_like(image[..., :1])))
        appearance = self._appearance_kernel(image)
        q = ops.softmax(logits, axis=-1)
        refined = logits
        for _ in range(self.iterations):
            smoothed = self._smoothness_sum(q * smoothness_root) * smoothness_root
            message = (self.kernel_weights[0] * smoothed
                       + self.kernel_weights[1] * self._filter(q, appearance))
            # pairwise(l) = Σ_l' μ(l, l') m(l')
            refined = logits - ops.matmul(message, ops.transpose(self.compatibility))
            q = ops.softmax(refined, axis=-1)
        return refined

    def _smoothness_sum(self, x):
        """Σ over the window of exp(-|p_i - p_j|² / 2θγ²) x_j, zero outside the image: the
        Gaussian is separable, so a column then a row depthwise convolution."""
        radius = self.window // 2
        taps = ops.exp(-ops.square(ops.arange(-radius, radius + 1, dtype=x.dtype))
                       / (2 * self.smoothness_theta ** 2))
        channels = x.shape[-1]
        column = ops.tile(ops.reshape(taps, (-1, 1, 1, 1)), (1, 1, channels, 1))
        row = ops.tile(ops.reshape(taps, (1, -1, 1, 1)), (1, 1, channels, 1))
        return ops.depthwise_conv(ops.depthwise_conv(x, column, padding="same"), row,
                                  padding="same")

    def _appearance_kernel(self, image):
        """(values (B, H, W, window, window), D^-1/2 (B, H, W, 1)) of the appearance kernel.

        Pixels outside the image get a zero kernel value, so they are neither neighbours nor
        counted in D (the C++ code's lattice holds only the image's pixels).
        """
        inside = self._shifted(ops.ones_like(image[..., :1]))[..., 0]
        colours = self._shifted(image)  # (B, H, W, window, window, ch)
        colour2 = ops.sum(ops.square(colours - image[:, :, :, None, None, :]), axis=-1)
        radius = self.window // 2
        distance2 = ops.convert_to_tensor(
            [[float(dy * dy + dx * dx) for dx in range(-radius, radius + 1)]
             for dy in range(-radius, radius + 1)], dtype=image.dtype)
        theta_alpha, theta_beta = self.appearance_theta
        appearance = ops.exp(-distance2 / (2 * theta_alpha ** 2)
                             - colour2 / (2 * theta_beta ** 2)) * inside
        return appearance, ops.rsqrt(ops.sum(appearance, axis=(3, 4))[..., None])

    def _filter(self, q, kernel):
        values, inverse_root_degree = kernel
        neighbours = self._shifted(q * inverse_root_degree)  # (B, H, W, window, window, C)
        return ops.sum(values[..., None] * neighbours, axis=(3, 4)) * inverse_root_degree

    def _shifted(self, x):
        """x at every offset of the window, zero outside the image: (B, H, W, win, win, ch).

        Slices of a zero-padded copy with static start and end (counted from the end), so
        None spatial dimensions work; rows then columns, 2·window slices rather than window².
        """
        radius = self.window // 2
        span = 2 * radius
        padded = ops.pad(x, [(0, 0), (radius, radius), (radius, radius), (0, 0)])
        rows = ops.stack([padded[:, dy:(dy - span) or None] for dy in range(span + 1)],
                         axis=3)  # (B, H, W + span, window, ch)
        return ops.stack([rows[:, :, dx:(dx - span) or None] for dx in range(span + 1)],
                         axis=4)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "iterations": self.iterations, "window": self.window,
                "smoothness_theta": self.smoothness_theta,
                "appearance_theta": list(self.appearance_theta),
                "smoothness_weight": self.smoothness_weight,
                "appearance_weight": self.appearance_weight}


def _potts(shape, dtype=None):
    """μ(l, l') = 1 for l != l', 0 on the diagonal: the Potts model."""
    return ops.ones(shape, dtype=dtype) - ops.eye(shape[0], dtype=dtype)

