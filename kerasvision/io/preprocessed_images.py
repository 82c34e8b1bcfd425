"""What `ImagePreprocessor.preprocess` returns: model pixels and how each image was placed."""

from typing import NamedTuple

import numpy as np


class ImageGeometry(NamedTuple):
    """How one image was placed in the model input, all per axis (y, x).

    Attributes:
        original_size: (height, width) of the image as read (after EXIF orientation).
        scale: model pixels per original pixel.
        offset: letterbox padding (top, left) in model pixels; (0, 0) when stretched.
    """

    original_size: tuple
    scale: tuple
    offset: tuple

    @property
    def placed_size(self):
        """(height, width) the image was resized to, before any padding."""
        return tuple(int(round(n * s)) for n, s in zip(self.original_size, self.scale))


class Preprocessed(NamedTuple):
    """A batch ready for a model, with the geometry to map answers back to each image.

    Attributes:
        pixels: float32 (N, h, w, C), 0–255 for 0–255 inputs.
        original_sizes: int64 (N, 2), (height, width) of each image.
        scales: float32 (N, 2), (y, x) model pixels per original pixel.
        offsets: float32 (N, 2), letterbox padding (top, left) in model pixels.
    """

    pixels: np.ndarray
    original_sizes: np.ndarray
    scales: np.ndarray
    offsets: np.ndarray

    def geometry(self, index):
        """The `ImageGeometry` of image `index`."""
        return ImageGeometry(tuple(int(n) for n in self.original_sizes[index]),
                             tuple(float(s) for s in self.scales[index]),
                             tuple(float(o) for o in self.offsets[index]))
