"""Reading images robustly: the one place for every decoder quirk.

    from kerasvision.io import read_image, read_images, iter_image_files, ImageReadError

    for path, image, error in read_images(["photo.jpg", "folder/"], channels=3):
        ...  # image: uint8 (H, W, 3), or None with `error` saying why (one line)

No TensorFlow here: Pillow and numpy only, so the CLI can use it cheaply.
"""

from kerasvision.io.image_errors import ImageReadError
from kerasvision.io.image_files import (
    IMAGE_EXTENSIONS,
    FoundFile,
    ReadResult,
    iter_image_files,
    read_images,
    resize_image,
)
from kerasvision.io.image_reader import DEFAULT_MAX_PIXELS, read_image

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_EXTENSIONS",
    "FoundFile",
    "ImageReadError",
    "ReadResult",
    "iter_image_files",
    "read_image",
    "read_images",
    "resize_image",
]
