"""read_image: any image file or byte string -> uint8 (H, W, C) array, or ImageReadError.

Every way a file can fail (missing, unreadable, empty, not an image, truncated, a
decompression bomb, a decoder bug) becomes an `ImageReadError` whose message names the
file and the problem; nothing else escapes for bad input.
"""

import contextlib
import logging
import os
import threading
import warnings

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from kerasvision.io import image_error_reasons as reasons
from kerasvision.io.image_errors import ImageReadError
from kerasvision.io.image_pixels import to_uint8_array
from kerasvision.io.image_sources import BYTES_NAME, open_source

# Pillow's own default (about 89.5 megapixels, "a 1024 MiB RGB image"); beyond it Pillow
# warns, and beyond twice it refuses.
DEFAULT_MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 1024 * 1024 * 1024 // 4 // 3

_HEAD_BYTES = 4096  # enough to tell text from binary and to sniff a signature

_TRUNCATION_FLAG_LOCK = threading.Lock()

# Pillow logs some decoder complaints (a TIFF's "More samples per pixel than can be
# decoded") before raising; with no logging configured Python prints them on stderr, next
# to the one-line ImageReadError that already says it. Applications that configure
# logging still receive them.
logging.getLogger("PIL").addHandler(logging.NullHandler())


def read_image(source, channels=None, max_pixels=DEFAULT_MAX_PIXELS):
    """Decode an image file (or its bytes) into a uint8 array of shape (H, W, C).

    EXIF orientation is applied; animated GIFs and multi-page TIFFs give their first frame;
    16-bit samples are scaled to 8 bits; CMYK becomes RGB; transparency is composited on
    white (see `image_pixels.BACKGROUND`).

    Args:
        source: a path (str or os.PathLike) or the encoded bytes of an image (bytes,
            bytearray or memoryview; bytes are never taken for a path).
        channels: 1 (grey, ITU-R 601 luma), 3 (RGB), or None for the image's own
            (1 for grey images, 3 otherwise).
        max_pixels: width × height above which the image is refused from its header,
            before any pixel is decoded. Pillow itself refuses more than twice its
            `Image.MAX_IMAGE_PIXELS`, so a larger limit needs that raised too.

    Returns:
        A new, writable numpy uint8 array (height, width, channels).

    Call it from one thread at a time: Pillow's flags and Python's warning filters that
    it sets for the duration of a decode are process-wide.

    Raises:
        ImageReadError: the input cannot be read as an image; the message says why.
        ValueError: `channels` is not None, 1 or 3 (a programming error, not bad input).
    """
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be None, 1 or 3, got {channels!r}")
    with open_source(source) as (name, file):
        try:
            return _decode(file, name, channels, max_pixels)
        except ImageReadError:
            raise
        except MemoryError as error:
            raise ImageReadError(name, "out of memory while decoding") from error
        except Exception as error:  # noqa: BLE001 - a decoder failure means a bad file
            image_format = reasons.sniff_format(_head(file))
            raise ImageReadError(name, reasons.decoder_failed(error, image_format)) from error


def _decode(file, name, channels, max_pixels):
    # catch_warnings swaps process-wide filters (before Python 3.14), so threads reading
    # at once can leave each other's filters behind: read from one thread, or processes.
    with warnings.catch_warnings():
        # Pillow's warnings about damaged metadata ("Corrupt EXIF data") are noise on the
        # user's stderr; damage that matters raises.
        warnings.filterwarnings("ignore", module=r"PIL\.")
        # Pillow warns (rather than refuses) between 1× and 2× its limit; refuse instead.
        # Added last, so it takes precedence over the line above.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(file)
        except UnidentifiedImageError as error:
            suffix = os.path.splitext(name)[1] if name != BYTES_NAME else ""
            raise ImageReadError(name, reasons.not_an_image(suffix, _head(file))) from error
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageReadError(
                name, reasons.refused_by_pillow(file, error, max_pixels)) from error
        width, height = image.size
        if width * height > max_pixels:
            raise ImageReadError(name, reasons.refused(width, height, max_pixels))
        if width < 1 or height < 1:
            raise ImageReadError(name, f"header claims an empty {width}×{height} image")
        try:
            with _truncated_images_refused():
                image.load()  # the first frame (animated GIF, multi-page TIFF)
            image = _apply_exif_orientation(image)
            return to_uint8_array(image, channels)
        except (ImageReadError, MemoryError):
            raise
        except Exception as error:  # noqa: BLE001 - a decoder failure means a bad file
            # Pillow recognised the format: name it (also those with no signature here).
            reason = reasons.decoder_failed(error, image.format)
            raise ImageReadError(name, reason) from error


def _apply_exif_orientation(image):
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001
        # Unreadable EXIF is damaged metadata, not damaged pixels: show the image as
        # stored, as image viewers do.
        return image


def _head(file):
    """The first bytes, to word an error; b"" if even they cannot be read."""
    try:
        file.seek(0)
        return file.read(_HEAD_BYTES)
    except (OSError, ValueError):  # an I/O error, or a file the decoder closed
        return b""


@contextlib.contextmanager
def _truncated_images_refused():
    """Pillow's global LOAD_TRUNCATED_IMAGES off for the duration of one decode.

    Other libraries switch it on at import (tensorflow_datasets does), after which Pillow
    silently pads a cut-off file with grey; here a truncated file must be an error. The
    lock keeps our own threads from restoring each other's value; with the flag off (the
    default) no lock is taken, so parallel decodes stay parallel.
    """
    if not ImageFile.LOAD_TRUNCATED_IMAGES:
        yield
        return
    with _TRUNCATION_FLAG_LOCK:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous
