"""Mean-field inference in a fully connected CRF, brute force in numpy, for small images.

The reference the two CRFs are tested against (tests/layers/test_mean_field_crf.py,
tests/models/segmentation/test_dense_crf.py): every pair of pixels, the Gaussian kernels
written out as N × N matrices, in float64. It follows Krähenbühl & Koltun (Efficient Inference
in Fully Connected CRFs with Gaussian Edge Potentials, NIPS 2011), eq. 3 for the kernels and
Algorithm 1 for the update, with what their released code (pydensecrf's C++) does beyond the
paper's equations: each kernel matrix includes the pixel itself and is normalised
symmetrically, D^-1/2 K D^-1/2 with D = K·1 (NORMALIZE_SYMMETRIC, the default).
"""

import numpy as np


def kernel_matrices(image, smoothness_theta, appearance_theta, window=None):
    """The normalised smoothness and appearance kernels, two (N, N) matrices, N = H·W.

    Args:
        image: (H, W, channels) pixel values (0-255).
        smoothness_theta: θγ, pixels.
        appearance_theta: (θα, θβ): pixels, intensity units.
        window: None for every pair; an odd size k to keep only pairs within k // 2 pixels
            in both directions (the truncation a windowed implementation makes).
    """
    h, w = image.shape[:2]
    rows, cols = np.mgrid[0:h, 0:w]
    position = np.stack([rows.ravel(), cols.ravel()], axis=1).astype(np.float64)
    colour = image.reshape(h * w, -1).astype(np.float64)
    offset = position[:, None] - position[None]
    distance2 = (offset ** 2).sum(-1)
    colour2 = ((colour[:, None] - colour[None]) ** 2).sum(-1)
    theta_alpha, theta_beta = appearance_theta
    smoothness = np.exp(-distance2 / (2 * smoothness_theta ** 2))
    appearance = np.exp(-distance2 / (2 * theta_alpha ** 2) - colour2 / (2 * theta_beta ** 2))
    if window is not None:
        inside = np.abs(offset).max(-1) <= window // 2
        smoothness, appearance = smoothness * inside, appearance * inside
    return tuple(_symmetric_normalised(k) for k in (smoothness, appearance))


def mean_field(logits, image, iterations, smoothness_theta=3.0, appearance_theta=(80.0, 13.0),
               weights=(3.0, 10.0), compatibility=None, window=None):
    """Mean-field updates from unary logits; returns (final logits, Q), each (H, W, C).

    Q_0 = softmax(logits); then `iterations` times
    Q = softmax(logits - μ (w_s K_s Q + w_a K_a Q)), μ (C, C) defaulting to Potts [l != l'].
    The final logits are the argument of the last softmax (the logits themselves after 0).
    """
    h, w, classes = logits.shape
    unary = logits.reshape(h * w, classes).astype(np.float64)
    mu = 1.0 - np.eye(classes) if compatibility is None else np.asarray(compatibility, float)
    smoothness, appearance = kernel_matrices(image, smoothness_theta, appearance_theta, window)
    z = unary
    q = _softmax(z)
    for _ in range(iterations):
        message = weights[0] * smoothness @ q + weights[1] * appearance @ q
        z = unary - message @ mu.T
        q = _softmax(z)
    return z.reshape(h, w, classes), q.reshape(h, w, classes)


def _symmetric_normalised(kernel):
    scale = 1.0 / np.sqrt(kernel.sum(1))
    return kernel * scale[:, None] * scale[None, :]


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)
