"""What the OpenCV-based region proposals share: the lazy import, images in OpenCV's layout,
and a bounded thread count.

OpenCV (the contrib build, for `cv2.ximgproc`) is the optional extra `proposals`; it is
imported only when proposals are computed, so that the rest of the package works without it.
"""

import contextlib

import numpy as np

INSTALL_HINT = 'pip install "kerasvision[proposals]"'


def import_cv2():
    """`cv2` with its contrib module `ximgproc`; a one-line ImportError naming the extra
    when it is missing (or when only the non-contrib build is installed)."""
    try:
        import cv2
    except ImportError as error:
        raise ImportError(f"region proposals need OpenCV's contrib build: {INSTALL_HINT}") \
            from error
    if not hasattr(cv2, "ximgproc"):
        raise ImportError("region proposals need OpenCV's contrib build (cv2.ximgproc), not "
                          f"plain opencv-python: {INSTALL_HINT}")
    return cv2


def as_bgr_uint8(image, cv2, max_value=255.0):
    """An (H, W, 3) or (H, W[, 1]) RGB or grey image as a contiguous BGR uint8 array.

    Args:
        image: uint8, or float with values in [0, `max_value`] (the package's pixels are
            floats in 0-255, so the default takes them as they are); floats are rounded and
            clipped.
        cv2: the imported module.
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] != 3):
        raise ValueError(f"want an (H, W, 3) RGB or (H, W) grey image, got shape {image.shape}")
    if image.dtype != np.uint8:
        scaled = np.asarray(image, np.float64) * (255.0 / float(max_value))
        image = np.clip(np.round(scaled), 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))


@contextlib.contextmanager
def opencv_threads(cv2, num_threads):
    """OpenCV's global thread count set to `num_threads` inside the block, then restored.

    The proposal algorithms are sequential loops in OpenCV (only colour conversions and
    filters use its thread pool), and callers usually propose for many images at once, so
    one thread per call avoids oversubscribing a small machine.
    """
    if num_threads is None:
        yield
        return
    before = cv2.getNumThreads()
    cv2.setNumThreads(int(num_threads))
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def xywh_to_xyxy(rects):
    """OpenCV's integer (x, y, w, h) rectangles as float32 (N, 4) xyxy boxes. OpenCV's
    rectangles hold pixels x..x+w-1, so x + w is the exclusive maximum, as the package's
    boxes (kerasvision.data.fashion_scenes)."""
    rects = np.asarray(rects, np.float32).reshape(-1, 4)
    return np.concatenate([rects[:, :2], rects[:, :2] + rects[:, 2:]], axis=1)
