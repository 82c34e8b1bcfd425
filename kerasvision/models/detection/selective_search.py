"""Selective search region proposals (Uijlings, van de Sande, Gevers & Smeulders, "Selective
Search for Object Recognition", IJCV 2013) through OpenCV's contrib implementation,
`cv2.ximgproc.segmentation.createSelectiveSearchSegmentation`.

The algorithm over-segments the image with Felzenszwalb & Huttenlocher's graph segmentation,
then greedily merges the most similar neighbouring regions (colour, texture, size and fill
similarities), and every region of every merging hierarchy gives a box. The paper's two
settings (§5.2, Table 5) are OpenCV's:

- "fast": HSV and Lab colour spaces, k in {150, 300, 450} (what R-CNN used, Girshick et al.
  2014 §2.1), two similarity combinations;
- "quality": five colour spaces, k in {150, 300, 450, 600, 750}, four combinations; slower
  and more boxes.

Ranking: OpenCV ranks each region by its hierarchy level times a random number (the
paper's §3.5 "pseudo-random ordering", with the level counted upwards from the initial
segments) and then removes duplicate boxes; `selective_search` keeps that order, so the first
boxes are OpenCV's best. The random numbers come from the C library's `rand()`, so
`selective_search` seeds it (`seed`) to give the same boxes for the same image every time.
"""

import ctypes
import ctypes.util

from kerasvision.models.detection.opencv_support import (
    as_bgr_uint8,
    import_cv2,
    opencv_threads,
    xywh_to_xyxy,
)

MODES = ("fast", "quality")


def selective_search(image, mode="fast", max_proposals=None, seed=0, max_value=255.0,
                     num_threads=1):
    """Selective search boxes of one image, best first (OpenCV's ranking).

    Args:
        image: an (H, W, 3) RGB or (H, W) grey image, uint8, or float with values in
            [0, `max_value`].
        mode: "fast" or "quality" (the paper's two settings; module doc).
        max_proposals: keep at most this many boxes (the first, best ranked); all by default.
        seed: seeds the C library's `rand()`, which OpenCV's ranking draws from, so that
            a call is repeatable; None leaves the generator as it is.
        max_value: the largest value of a float image (255 for the package's pixels, 1 for
            images in [0, 1]).
        num_threads: OpenCV's thread count during the call (restored after; None: leave it).

    Returns:
        (N, 4) float32 boxes [x_min, y_min, x_max, y_max] in pixels, exclusive maxima.

    Raises:
        ImportError: OpenCV's contrib build is missing (`pip install "kerasvision[proposals]"`).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    cv2 = import_cv2()
    bgr = as_bgr_uint8(image, cv2, max_value)
    with opencv_threads(cv2, num_threads):
        search = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
        search.setBaseImage(bgr)
        if mode == "fast":
            search.switchToSelectiveSearchFast()
        else:
            search.switchToSelectiveSearchQuality()
        if seed is not None:
            _seed_c_rand(seed)
        rects = search.process()
    boxes = xywh_to_xyxy(rects)
    return boxes if max_proposals is None else boxes[:int(max_proposals)]


def _seed_c_rand(seed):
    # OpenCV ranks regions with the C library's rand() (selectivesearchsegmentation.cpp,
    # hierarchicalGrouping); on platforms where libc cannot be found the order stays random.
    name = ctypes.util.find_library("c")
    if name is None:
        return
    ctypes.CDLL(name).srand(ctypes.c_uint(int(seed) & 0xFFFFFFFF))


__all__ = ["MODES", "selective_search"]
