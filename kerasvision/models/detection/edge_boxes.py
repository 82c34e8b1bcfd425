"""Edge Boxes region proposals (Zitnick & Dollár, "Edge Boxes: Locating Object Proposals from
Edges", ECCV 2014) through OpenCV's `cv2.ximgproc.createEdgeBoxes`, on gradient edges.

Edge Boxes scores a box by the edge groups wholly inside it minus those crossing its border.
The paper computes its edges with Dollár & Zitnick's structured edge forests; OpenCV's
`createStructuredEdgeDetection` needs that forest as a trained model file (model.yml.gz),
which OpenCV does not ship and which would be a download, so it is not used here. Instead
the edge map is the Canny edges (Canny 1986: thin, non-maximum-suppressed contours, as the
paper's pipeline thins its edges) weighted by the normalised gradient magnitude, and the
orientation map is computed from it as Dollár's toolbox and OpenCV's
`StructuredEdgeDetection.computeOrientation` do: from the second derivatives of the smoothed
edge map, O = atan(Oyy * sign(-Oxy) / (Oxx + 1e-5)) mod pi.

These edges are weaker than structured edges (texture edges inside objects are not
suppressed), so recall is lower than the paper's; benchmarks/RESULTS.md has the figures
measured on Fashion scenes beside selective search's. Boxes come best first (Edge Boxes'
own score, after its own non-maximum suppression at beta = 0.75).
"""

import numpy as np

from kerasvision.models.detection.opencv_support import (
    as_bgr_uint8,
    import_cv2,
    opencv_threads,
    xywh_to_xyxy,
)

# The paper's (and Dollár's toolbox's) largest number of boxes returned.
PAPER_MAX_BOXES = 10_000
# Canny's hysteresis thresholds on 0-255 pixels (the common 1:3 ratio Canny recommends).
CANNY_THRESHOLDS = (50, 150)
# Smoothing before the edges, and of the edge map before its orientation (in pixels).
EDGE_SIGMA = 1.0
ORIENTATION_SIGMA = 2.0


def gradient_edges(image, cv2, max_value=255.0):
    """The edge map (H, W) float32 in [0, 1] and orientation map (H, W) float32 in [0, pi)
    that `edge_boxes` gives OpenCV (module doc)."""
    bgr = as_bgr_uint8(image, cv2, max_value)
    smooth = cv2.GaussianBlur(bgr, (0, 0), EDGE_SIGMA)
    canny = cv2.Canny(smooth, *CANNY_THRESHOLDS) > 0
    pixels = smooth.astype(np.float32) / 255.0
    gx = cv2.Sobel(pixels, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(pixels, cv2.CV_32F, 0, 1)
    magnitude = np.sqrt(gx * gx + gy * gy).max(axis=-1)  # the strongest colour channel
    edges = (canny * magnitude / max(float(magnitude.max()), 1e-6)).astype(np.float32)
    smoothed = cv2.GaussianBlur(edges, (0, 0), ORIENTATION_SIGMA)
    ox = cv2.Sobel(smoothed, cv2.CV_32F, 1, 0)
    oy = cv2.Sobel(smoothed, cv2.CV_32F, 0, 1)
    oxx = cv2.Sobel(ox, cv2.CV_32F, 1, 0)
    oxy = cv2.Sobel(ox, cv2.CV_32F, 0, 1)
    oyy = cv2.Sobel(oy, cv2.CV_32F, 0, 1)
    orientation = np.mod(np.arctan(oyy * np.sign(-oxy) / (oxx + 1e-5)), np.pi)
    return edges, orientation.astype(np.float32)


def edge_boxes(image, max_proposals=None, max_value=255.0, num_threads=1):
    """Edge Boxes of one image on gradient edges (module doc), best first.

    Args:
        image: an (H, W, 3) RGB or (H, W) grey image, uint8, or float in [0, `max_value`].
        max_proposals: at most this many boxes (default the paper's 10,000).
        max_value: the largest value of a float image.
        num_threads: OpenCV's thread count during the call (restored after; None: leave it).

    Returns:
        (N, 4) float32 boxes [x_min, y_min, x_max, y_max] in pixels, exclusive maxima.

    Raises:
        ImportError: OpenCV's contrib build is missing (`pip install "kerasvision[proposals]"`).
    """
    cv2 = import_cv2()
    with opencv_threads(cv2, num_threads):
        edges, orientation = gradient_edges(image, cv2, max_value)
        finder = cv2.ximgproc.createEdgeBoxes(
            maxBoxes=int(PAPER_MAX_BOXES if max_proposals is None else max_proposals))
        found = finder.getBoundingBoxes(edges, orientation)
    # OpenCV >= 4.5 returns (boxes, scores); older releases the boxes only.
    rects = found[0] if isinstance(found, tuple) else found
    return xywh_to_xyxy(rects)


__all__ = ["edge_boxes", "gradient_edges"]
