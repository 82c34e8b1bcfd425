"""What people hold, as images a model takes: paths, bytes, PIL images and numpy arrays.

The Python API (`ImageClassifier.predict`) accepts what a person has at hand and converts it
exactly as the CLI converts files: a path or encoded bytes is read by `read_image`; a PIL
image and an array go through the same `to_uint8_array` conversion (alpha composited on
white, ITU-R 601 luma for grey), so an RGB array for a grey model, or a grey one for an RGB
model, gives the pixels `classify` would give for the same picture saved as a PNG.

Pixel values have no declared range in an array. uint8 (and integers within 0–255) are
0–255. Floats that all lie in 0–1 could be 0–1 pixels or a very dark 0–255 image; rather
than guess, such input raises a ValueError naming `value_range`, which says it explicitly.

    images_as_arrays(["shoe.jpg", pil_image, grey_2d, rgb_array], channels=1)
"""

import os

import numpy as np

# Channels an array may carry, and the PIL mode with which `to_uint8_array` converts them.
_ARRAY_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def images_as_arrays(images, channels, value_range=None):
    """A list of (H, W, `channels`) arrays (uint8, or float32 in 0–255) from `images`.

    Args:
        images: one image or a list of them. An image is a path (str or os.PathLike),
            encoded bytes, a PIL image, or an array (H, W) or (H, W, C) with C in 1–4;
            a 4-D array (N, H, W, C) is a batch.
        channels: what the model takes, 1 (grey) or 3 (RGB).
        value_range: (low, high) of array pixel values, e.g. (0, 1); None: 0–255, and
            floats all within 0–1 are refused as ambiguous.

    Raises:
        ValueError: an image that cannot be taken; the message says why and what to do.
        kerasvision.io.ImageReadError (a ValueError): a file or bytes that cannot be read.
    """
    return [image_as_array(image, channels, value_range, index)
            for index, image in enumerate(_as_list(images))]


def _as_list(images):
    if _is_single(images):
        return [images]
    if isinstance(images, np.ndarray) or hasattr(images, "numpy"):
        batch = np.asarray(images)
        if batch.ndim == 3 and batch.shape[-1] not in _ARRAY_MODES:
            return list(batch)  # (N, H, W): N grey images
        if batch.ndim == 3:
            return [batch]
        if batch.ndim != 4:
            raise ValueError(f"an array of shape {batch.shape} is not an image: expected "
                             "(H, W), (H, W, C) with C in 1-4, or a batch (N, H, W, C)")
        return list(batch)
    try:
        return list(images)
    except TypeError:
        raise TypeError(f"cannot take a {type(images).__name__} as images: pass paths, bytes, "
                        "PIL images or numpy arrays") from None


def _is_single(value):
    from PIL import Image

    return isinstance(value, (str, bytes, bytearray, memoryview, os.PathLike, Image.Image)) \
        or (isinstance(value, np.ndarray) and value.ndim == 2)


def image_as_array(image, channels, value_range=None, index=0):
    """One image (see `images_as_arrays`) as an (H, W, `channels`) array."""
    from PIL import Image

    from kerasvision.io.image_pixels import to_uint8_array
    from kerasvision.io.image_reader import read_image

    if isinstance(image, (str, bytes, bytearray, memoryview, os.PathLike)):
        return read_image(image, channels=channels)
    if isinstance(image, Image.Image):
        image.load()
        return to_uint8_array(_exif_oriented(image), channels)
    array = np.asarray(image)
    if array.dtype == object:
        raise TypeError(f"image {index}: cannot take a {type(image).__name__}: pass a path, "
                        "bytes, a PIL image or a numpy array")
    array = array[..., None] if array.ndim == 2 else array
    if array.ndim != 3 or array.shape[-1] not in _ARRAY_MODES or min(array.shape) < 1:
        raise ValueError(f"image {index}: an array of shape {array.shape} is not an image; "
                         "expected (H, W) or (H, W, C) with C in 1-4")
    pixels = _as_0_255(array, value_range, index)
    if pixels.shape[-1] == channels:
        return pixels  # nothing to convert: float pixels keep their precision
    as_uint8 = np.rint(pixels).astype(np.uint8)
    mode = _ARRAY_MODES[as_uint8.shape[-1]]
    pil = Image.fromarray(as_uint8[..., 0] if mode == "L" else as_uint8, mode=mode)
    return to_uint8_array(pil, channels)


def _exif_oriented(image):
    from kerasvision.io.image_reader import _apply_exif_orientation

    return _apply_exif_orientation(image)


def _as_0_255(array, value_range, index):
    """uint8 as is; other numbers checked (and scaled from `value_range`) to float32 0–255."""
    if array.dtype == np.uint8 and value_range in (None, (0, 255)):
        return array
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"image {index}: {array.dtype} pixels have no brightness scale; "
                         "pass uint8 (0-255) or numbers with value_range=(low, high)")
    values = array.astype(np.float64)
    if not np.isfinite(values).all():
        raise ValueError(f"image {index}: pixels include NaN or infinity")
    low, high = float(values.min()), float(values.max())
    if value_range is None:
        if np.issubdtype(array.dtype, np.floating) and 0 < high <= 1 and low >= 0:
            raise ValueError(
                f"image {index}: float pixels all within 0-1 are ambiguous (0-1 pixels, or a "
                "very dark 0-255 image?); say which with value_range=(0, 1) or "
                "value_range=(0, 255), or pass uint8")
        value_range = (0, 255)
    lo, hi = (float(v) for v in value_range)
    if not hi > lo:
        raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}")
    if low < lo or high > hi:
        raise ValueError(f"image {index}: pixel values span {low:g} to {high:g}, outside "
                         f"value_range {lo:g}-{hi:g} (normalised pixels? the model "
                         "normalises inside; pass 0-255 pixels or the range they are in)")
    return ((values - lo) * (255.0 / (hi - lo))).astype(np.float32)
