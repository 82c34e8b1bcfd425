"""Expanding files and folders into image paths, and reading batches that survive bad files.

Both generators report a problem with one input as a record and go on with the next, so
one missing path or broken file never stops a batch.
"""

import os
from typing import NamedTuple, Optional

import numpy as np

from kerasvision.io.image_errors import ImageReadError
from kerasvision.io.image_reader import DEFAULT_MAX_PIXELS, read_image

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp")


class FoundFile(NamedTuple):
    """One entry of `iter_image_files`: a path, and the error if it cannot be used."""

    path: str
    error: Optional[ImageReadError] = None


class ReadResult(NamedTuple):
    """One entry of `read_images`: exactly one of `image` and `error` is None."""

    path: str
    image: Optional[np.ndarray]
    error: Optional[ImageReadError]


def iter_image_files(paths, recursive=True):
    """Yield `FoundFile(path, error)` for every image file named by `paths`.

    A file named explicitly is yielded whatever its extension (reading it says whether it
    is an image). A directory is walked in sorted order, yielding files whose extension
    (any case) is in `IMAGE_EXTENSIONS`; hidden entries (names starting with ".", such as
    macOS "._photo.jpg" resource forks) are skipped. A missing path, an unreadable
    directory, or a directory without any image yields an entry with `error` set instead
    of raising.

    Args:
        paths: one path or an iterable of paths (str or os.PathLike).
        recursive: walk sub-directories too.

    Yields:
        FoundFile tuples; unpack as ``for path, error in iter_image_files(...)``.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    for path in paths:
        path = os.fsdecode(path)
        if os.path.isdir(path):
            yield from _walk_directory(path, recursive)
        elif os.path.lexists(path) and not os.path.exists(path):
            yield FoundFile(path, ImageReadError(path, "broken symbolic link"))
        elif os.path.exists(path):
            yield FoundFile(path)
        else:
            yield FoundFile(path, ImageReadError(path, "no such file or directory"))


def _walk_directory(directory, recursive):
    found_any = False
    for entry in _walk(directory, recursive):
        found_any = found_any or entry.error is None
        yield entry
    if not found_any:
        extensions = " ".join(IMAGE_EXTENSIONS)
        yield FoundFile(directory, ImageReadError(directory, f"no image files ({extensions})"))


def _walk(directory, recursive):
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        reason = "permission denied" if isinstance(error, PermissionError) else (
            f"cannot list directory ({error.strerror or error})")
        yield FoundFile(directory, ImageReadError(directory, reason))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            # Symlinked directories are not entered: they can loop back up the tree.
            if recursive and not entry.is_symlink():
                yield from _walk(entry.path, recursive)
        elif entry.name.lower().endswith(IMAGE_EXTENSIONS):
            yield FoundFile(entry.path)


def read_images(paths, channels=None, size=None, recursive=True,
                max_pixels=DEFAULT_MAX_PIXELS):
    """Yield `ReadResult(path, image, error)` for every image named by `paths`.

    Files and directories are expanded by `iter_image_files`; each file is decoded by
    `read_image`. A path that cannot be found or read gives a result with `image=None`
    and the `ImageReadError` in `error`; the batch goes on.

    Args:
        paths: one path or an iterable of paths (files and directories).
        channels: 1, 3 or None, as in `read_image`.
        size: None to keep each image's size, or (height, width) (an int for a square)
            to resize with `resize_image` (loads TensorFlow). Tasks should pass None and
            resize with their `ImagePreprocessor`.
        recursive: walk sub-directories too.
        max_pixels: header size above which an image is refused, as in `read_image`.

    Yields:
        ReadResult tuples; unpack as ``for path, image, error in read_images(...)``.
    """
    if channels not in (None, 1, 3):  # fail before the walk, not at the first image
        raise ValueError(f"channels must be None, 1 or 3, got {channels!r}")
    if size is not None:
        size = (size, size) if isinstance(size, int) else tuple(size)
        if len(size) != 2 or min(size) < 1:
            raise ValueError(f"size must be None, an int or (height, width), got {size!r}")
    for path, error in iter_image_files(paths, recursive=recursive):
        if error is not None:
            yield ReadResult(path, None, error)
            continue
        try:
            image = read_image(path, channels=channels, max_pixels=max_pixels)
        except ImageReadError as read_error:
            yield ReadResult(path, None, read_error)
            continue
        if size is not None:
            image = resize_image(image, size)
        yield ReadResult(path, image, None)


def resize_image(image, size):
    """uint8 (H, W, C) array resized to `size` = (height, width), rounded back to uint8.

    The resize is the package's one, `pixel_resize.resize_pixels` (antialiased bilinear in
    TensorFlow, imported only here), so these pixels are the rounded ones every model path
    sees; tasks should use `ImagePreprocessor` and keep the float pixels.
    """
    height, width = size
    if image.shape[:2] == (height, width):
        return image
    from kerasvision.io.pixel_resize import resize_pixels

    resized = np.asarray(resize_pixels(image, (height, width)))
    return np.clip(np.rint(resized), 0, 255).astype(np.uint8)
