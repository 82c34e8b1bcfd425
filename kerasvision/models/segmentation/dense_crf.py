"""Dense CRF post-processing of segmentation scores (Krähenbühl & Koltun, Efficient Inference in
Fully Connected CRFs with Gaussian Edge Potentials, NIPS 2011) through pydensecrf, the Python
binding of the authors' C++ code, whose permutohedral lattice (Adams, Baek & Davis,
Eurographics 2010) filters every pixel against every other in linear time.

The energy is the paper's eq. 3: unaries -log p and, between every two pixels i and j with a
Potts compatibility [x_i != x_j],

    w1 exp(-|p_i - p_j|² / 2θα² - |I_i - I_j|² / 2θβ²)   (appearance kernel)
  + w2 exp(-|p_i - p_j|² / 2θγ²)                        (smoothness kernel)

and inference is the paper's mean-field Algorithm 1. As in the released code, each kernel
includes the pixel itself and is normalised symmetrically (D^-1/2 K D^-1/2, D = K·1); the
in-graph, trainable twin is kerasvision.layers.mean_field_crf.MeanFieldCRF. The defaults,
smoothness (θγ, w2) = (3, 3) and appearance (θα, θβ, w1) = (80, 13, 10), are the usage
pydensecrf's README gives; the paper cross-validates the appearance kernel's parameters per
data set (§5).

pydensecrf (PyPI: pydensecrf2) ships no wheels: it builds from source and needs a C++
compiler. It is the optional extra `crf`; this module imports it on first use only.
"""

import numpy as np

INSTALL_HINT = ('dense_crf needs pydensecrf, built from source with a C++ compiler (g++): '
                'pip install "kerasvision[crf]"')

# Probabilities are clipped here before -log, so a score of exactly 0 gives a large but
# finite unary (pydensecrf would propagate inf into NaNs).
_SMALLEST_PROBABILITY = 1e-8


def dense_crf(image, scores, iterations=5, smoothness=(3.0, 3.0),
              appearance=(80.0, 13.0, 10.0), from_logits=False):
    """Refined per-pixel class probabilities after mean-field inference in a dense CRF.

    Args:
        image: (H, W, 3) RGB pixels in 0-255 (uint8, or floats rounded to uint8 as the C++
            code takes bytes); (H, W) or (H, W, 1) grey is repeated to three channels.
        scores: (H, W, C) class probabilities (the segmentation contract's softmax output),
            or logits with `from_logits=True`.
        iterations: mean-field iterations (5, as in pydensecrf's README).
        smoothness: (θγ in pixels, weight w2) of the position-only kernel; weight 0 drops it.
        appearance: (θα in pixels, θβ in intensity units, weight w1) of the bilateral kernel;
            weight 0 drops it.
        from_logits: `scores` are logits; the unary is then -log softmax(scores).

    Returns:
        (H, W, C) float32 probabilities Q; `argmax(-1)` is the refined label map.

    Raises:
        ImportError: pydensecrf is not installed (a one-line hint naming the extra).
        ValueError: shapes that do not match.
    """
    try:
        import pydensecrf.densecrf as dcrf
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    image = _rgb_bytes(image)
    unary = _unary(scores, from_logits)
    height, width, classes = unary.shape
    if image.shape[:2] != (height, width):
        raise ValueError(f"image is {image.shape[:2]} pixels but scores are {(height, width)}")
    crf = dcrf.DenseCRF2D(width, height, classes)
    # pydensecrf wants (C, H·W), row-major pixels, C-contiguous float32.
    crf.setUnaryEnergy(np.ascontiguousarray(unary.transpose(2, 0, 1).reshape(classes, -1)))
    theta_gamma, w2 = smoothness
    theta_alpha, theta_beta, w1 = appearance
    if w2:
        crf.addPairwiseGaussian(sxy=float(theta_gamma), compat=float(w2))
    if w1:
        crf.addPairwiseBilateral(sxy=float(theta_alpha), srgb=float(theta_beta),
                                 rgbim=image, compat=float(w1))
    q = np.asarray(crf.inference(int(iterations)), dtype=np.float32)
    return q.reshape(classes, height, width).transpose(1, 2, 0)


def _unary(scores, from_logits):
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 3:
        raise ValueError(f"scores must be (H, W, classes), got shape {scores.shape}")
    if from_logits:
        shifted = scores - scores.max(-1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    else:
        log_p = np.log(np.clip(scores, _SMALLEST_PROBABILITY, None))
    return (-log_p).astype(np.float32)


def _rgb_bytes(image):
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise ValueError(f"image must be (H, W, 3) or grey (H, W[, 1]), got shape {image.shape}")
    if image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    if image.dtype != np.uint8:
        image = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image)
