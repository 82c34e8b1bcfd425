"""Turning a decoded PIL image of any mode into a uint8 (H, W, C) array.

Every mode quirk lives here: 16-bit and float samples, CMYK, palettes, transparency,
bilevel images, and the grey/colour conversions a model's channel count asks for.
"""

import numpy as np
from PIL import Image

# Modes whose samples already are 8-bit grey or RGB once Pillow converts them.
_GREY_MODES = {"1", "L"}
_COLOUR_MODES = {"RGB", "CMYK", "YCbCr", "LAB", "HSV", "RGBX"}
_ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}
# Greyscale with more than 8 bits per sample (16-bit PNG/TIFF/PGM, 32-bit int, float).
_DEEP_GREY_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N", "F"}

# Transparent pixels are composited on this (white), not dropped: the colour under a
# fully transparent pixel is arbitrary (often black), so dropping alpha turns a dark logo
# on a transparent background into a black square; white is what a viewer shows.
BACKGROUND = (255, 255, 255)


def to_uint8_array(image, channels=None):
    """Pixels of `image` as a fresh uint8 array of shape (height, width, channels).

    Args:
        image: a loaded PIL image, any mode.
        channels: 1 (grey, ITU-R 601 luma as PIL's "L"), 3 (RGB) or None to keep the
            image's own: 1 for grey images, 3 for everything else.

    Raises:
        ValueError: for a mode no conversion is defined for (the caller maps it).
    """
    image = _to_grey_or_rgb(image)
    if channels is None:
        channels = 1 if image.mode == "L" else 3
    if channels == 1 and image.mode != "L":
        image = image.convert("L")  # ITU-R 601-2 luma: L = 0.299 R + 0.587 G + 0.114 B
    elif channels == 3 and image.mode != "RGB":
        image = image.convert("RGB")  # grey replicated into R, G and B
    array = np.array(image, dtype=np.uint8)  # a copy: writable, owns its memory
    return array.reshape(array.shape[0], array.shape[1], channels)


def _to_grey_or_rgb(image):
    """The image in mode "L" or "RGB", transparency composited on white."""
    mode = image.mode
    if mode in _DEEP_GREY_MODES:
        return _deep_grey_to_l(image)
    if mode == "La":
        image = image.convert("LA")  # Pillow converts premultiplied "La" to nothing else
    if mode in _ALPHA_MODES or "transparency" in image.info:
        # Palette/grey/RGB images may carry transparency in a tRNS chunk instead of a band.
        rgb = _composite_on_background(image.convert("RGBA"))
        return rgb.convert("L") if _is_grey(image) else rgb
    if mode == "P":
        rgb = image.convert("RGB")
        return rgb.convert("L") if _is_grey(image) else rgb
    if mode in _GREY_MODES:
        return image.convert("L")
    if mode in _COLOUR_MODES:
        # CMYK: Pillow's naive conversion (no ICC profile); Adobe's inverted CMYK JPEGs are
        # already un-inverted by the decoder.
        return image.convert("RGB")
    raise ValueError(f"unsupported pixel mode {mode!r}")


def _deep_grey_to_l(image):
    """8-bit grey from 16-bit/32-bit/float grey by scaling, never by clipping.

    Pillow's own ``convert("L")`` clips 16-bit samples at 255, which turns almost every
    16-bit image white.
    """
    samples = np.asarray(image)
    if image.mode == "F":
        # Float images have no declared range: [0, 1] if their finite values fit it,
        # else [0, 255]. NaN (from broken files) becomes 0, infinities the ends.
        with np.errstate(invalid="ignore", over="ignore"):
            samples = samples.astype(np.float64)
            finite = samples[np.isfinite(samples)]
            scale = 255.0 if finite.size and finite.max() <= 1.0 else 1.0
            grey = np.clip(np.nan_to_num(samples * scale, nan=0.0, posinf=255.0,
                                         neginf=0.0), 0, 255)
    else:
        # 16-bit PNG/TIFF/PGM samples (Pillow opens some of them as 32-bit "I").
        grey = np.clip(samples.astype(np.float64), 0, 65535) * (255.0 / 65535.0)
    return Image.fromarray(np.rint(grey).astype(np.uint8), mode="L")


def _composite_on_background(rgba):
    background = Image.new("RGBA", rgba.size, BACKGROUND + (255,))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _is_grey(image):
    """Whether every colour the image can show is grey (white background included)."""
    if image.mode in ("1", "L", "LA", "La"):
        return True
    # Palettes may be grey; keep such images single-channel like their "L" cousins.
    return image.mode in ("P", "PA") and _palette_is_grey(image)


def _palette_is_grey(image):
    # getcolors gives (count, index) for "P", (count, (index, alpha)) for "PA".
    used = [colour[0] if isinstance(colour, tuple) else colour
            for _, colour in image.getcolors(maxcolors=256) or []]
    palette = image.getpalette("RGB") or []
    colours = [tuple(palette[3 * i:3 * i + 3]) for i in used if 3 * i + 3 <= len(palette)]
    return bool(colours) and all(r == g == b for r, g, b in colours)
