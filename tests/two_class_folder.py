"""A tiny image-folder data set for training tests: class folders "dark" and "light" of noisy
28×28 grey PNGs, which any classifier can learn in a few steps."""

import numpy as np
from PIL import Image


def write_two_class_folder(root, per_class, bases=(60, 190), spread=30, seed=0):
    """Write `per_class` PNGs into root/dark and root/light (pixel means `bases`, Gaussian noise
    of `spread`); returns `root`."""
    rng = np.random.default_rng(seed)
    for label, base in zip(("dark", "light"), bases):
        (root / label).mkdir(parents=True)
        for i in range(per_class):
            pixels = np.clip(base + rng.normal(0, spread, (28, 28)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / label / f"{i:02d}.png")
    return root
