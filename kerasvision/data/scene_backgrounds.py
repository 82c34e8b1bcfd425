"""Random RGB backgrounds for synthetic scenes: flat, gradient, low-frequency texture, noise.

A detector trained on items over black learns "not black" rather than the items, so every
scene draws one of four kinds of background, each with random colours.
"""

import numpy as np
from PIL import Image

BACKGROUND_KINDS = ("flat", "gradient", "texture", "noise")


def random_background(rng, size):
    """A (height, width, 3) uint8 background of a kind drawn uniformly from BACKGROUND_KINDS.

    Args:
        rng: a numpy Generator; the only source of randomness.
        size: (height, width).
    """
    kind = BACKGROUND_KINDS[rng.integers(len(BACKGROUND_KINDS))]
    return BACKGROUNDS[kind](rng, size)


def flat_background(rng, size):
    """One random colour everywhere."""
    return np.broadcast_to(_colour(rng), (*size, 3)).astype(np.uint8)


def gradient_background(rng, size):
    """A linear blend between two random colours along a random direction."""
    height, width = size
    angle = rng.uniform(0, 2 * np.pi)
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    along = cols * np.cos(angle) + rows * np.sin(angle)
    span = along.max() - along.min()
    t = (along - along.min()) / span if span > 0 else np.zeros_like(along)
    start, end = _colour(rng), _colour(rng)
    blend = start + t[..., None] * (end - start)
    return np.clip(np.round(blend), 0, 255).astype(np.uint8)


def texture_background(rng, size):
    """Smooth blobs: a 2x2 to 6x6 grid of random colours upsampled bicubically."""
    height, width = size
    grid = rng.integers(0, 256, size=(rng.integers(2, 7), rng.integers(2, 7), 3),
                        dtype=np.uint8)
    image = Image.fromarray(grid, "RGB").resize((width, height), Image.Resampling.BICUBIC)
    return np.array(image)


def noise_background(rng, size):
    """A random colour with Gaussian noise (standard deviation 8 to 48) on every channel."""
    sigma = rng.uniform(8, 48)
    noisy = _colour(rng) + rng.normal(0, sigma, size=(*size, 3))
    return np.clip(np.round(noisy), 0, 255).astype(np.uint8)


def _colour(rng):
    return rng.integers(0, 256, size=3).astype(np.float32)


def held_out_background(rng, size):
    """Diagonal stripes or a checkerboard in two random colours: a kind the generator never
    draws (not in BACKGROUND_KINDS), for checking that a trained model copes with backgrounds
    it has not seen (the shipped detector's and segmenter's "shifted" figures)."""
    height, width = size
    rows, cols = np.mgrid[0:height, 0:width]
    period = int(rng.integers(6, 24))
    if rng.random() < 0.5:
        pattern = ((rows + cols) // period) % 2
    else:
        pattern = (rows // period + cols // period) % 2
    colours = rng.integers(0, 256, (2, 3))
    return colours[pattern].astype(np.uint8)


BACKGROUNDS = {"flat": flat_background, "gradient": gradient_background,
               "texture": texture_background, "noise": noise_background}
