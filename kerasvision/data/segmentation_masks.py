"""Reading semantic-segmentation masks: PNG images whose pixels are class indices.

    mask = read_segmentation_mask("masks/0001.png", num_classes=21, image_size=(375, 500))

A mask is a lossless PNG of mode L (8-bit grey) or P (palette, as Pascal VOC ships them),
one class index per pixel, with 255 as the "ignore" label (VOC's object borders). A JPEG
mask, an RGB rendering of the classes, a size that does not match the image, or an index
outside the classes would train silently wrong, so each is one `SegmentationMaskError` line
naming the file.
"""

import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from kerasvision.data.dataset_paths import DatasetFileError, resolve_inside

IGNORE_LABEL = 255
# Far above any real mask (8192 x 8192); refuses decompression bombs from the header.
MAX_MASK_PIXELS = 8192 * 8192


class SegmentationMaskError(DatasetFileError):
    """A mask file that cannot be used (one line: "PATH: problem")."""


def read_segmentation_mask(path, num_classes, image_size=None, root=None):
    """Class indices (height, width) uint8 from a PNG mask, validated.

    Args:
        path: the mask file; relative to `root` when `root` is given.
        num_classes: indices must be < num_classes, or IGNORE_LABEL (255).
        image_size: (height, width) of the image the mask labels; checked when given.
        root: the dataset folder `path` must stay inside (for paths read from a file).

    Raises:
        SegmentationMaskError: missing or unreadable file, not a PNG, truncated, a mode
            other than L or P, a size mismatch, or an index out of range.
    """
    if root is not None:
        path = resolve_inside(root, path, SegmentationMaskError, path, "mask path")
    path = Path(path)
    if not 1 <= num_classes <= IGNORE_LABEL:
        raise ValueError(f"num_classes must be in 1..{IGNORE_LABEL}, got {num_classes}")
    mask = _decode(path)
    if image_size is not None and mask.shape != tuple(image_size):
        raise SegmentationMaskError(
            path, f"mask is {mask.shape[1]}x{mask.shape[0]} (width x height) but its image "
                  f"is {image_size[1]}x{image_size[0]}")
    bad = np.unique(mask[(mask >= num_classes) & (mask != IGNORE_LABEL)])
    if bad.size:
        shown = ", ".join(str(v) for v in bad[:5]) + (", ..." if bad.size > 5 else "")
        raise SegmentationMaskError(
            path, f"class indices {shown} out of range for {num_classes} classes "
                  f"(valid: 0..{num_classes - 1}, and {IGNORE_LABEL} to ignore)")
    return mask


def _decode(path):
    try:
        with warnings.catch_warnings():
            # Pillow warns about large images and corrupt metadata before it decides; we
            # judge the file ourselves and say so in one line.
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                image_format, mode, (width, height) = image.format, image.mode, image.size
                if image_format != "PNG":
                    raise SegmentationMaskError(
                        path, f"mask must be a PNG (lossless), got {image_format or 'unknown'}")
                if mode not in ("L", "P"):
                    raise SegmentationMaskError(
                        path, f"mask has mode {mode}; it must hold one class index per pixel "
                              "(mode L or P)")
                if width * height > MAX_MASK_PIXELS:
                    raise SegmentationMaskError(
                        path, f"mask of {width}x{height} pixels refused (more than "
                              f"{MAX_MASK_PIXELS}; a decompression bomb?)")
                image.verify()  # CRCs and completeness, even if LOAD_TRUNCATED_IMAGES is set
            with Image.open(path) as image:
                pixels = np.array(image)  # P stays indices: never convert through the palette
    except SegmentationMaskError:
        raise
    except FileNotFoundError:
        raise SegmentationMaskError(path, "no such file") from None
    except IsADirectoryError:
        raise SegmentationMaskError(path, "is a directory") from None
    except PermissionError:
        raise SegmentationMaskError(path, "permission denied") from None
    except Image.DecompressionBombError:
        raise SegmentationMaskError(path, f"mask refused: Pillow's decompression-bomb limit "
                                          f"({Image.MAX_IMAGE_PIXELS} pixels) exceeded") \
            from None
    except Image.UnidentifiedImageError:
        raise SegmentationMaskError(path, "not an image") from None
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for broken data
        detail = str(exc).strip() or type(exc).__name__
        raise SegmentationMaskError(path, f"broken PNG mask ({detail})") from None
    if pixels.shape != (height, width) or pixels.dtype != np.uint8:
        raise SegmentationMaskError(path, f"decoded to {pixels.dtype} {pixels.shape}, not "
                                          f"uint8 ({height}, {width})")
    return pixels
