"""Efficient subwindow search: the best rectangle of a score map by branch and bound, without
enumerating the O(H^2 W^2) rectangles (Lampert, Blaschko & Hofmann, Beyond Sliding Windows:
Object Localization by Efficient Subwindow Search, CVPR 2008).

The quality of a rectangle is the sum of the per-location scores inside it. A set of
rectangles is four intervals, of its top, bottom, left and right rows/columns (§2.1). Every
rectangle of the set lies inside the largest one (lowest top, highest bottom, ...) and contains
the smallest one (highest top, lowest bottom, ...), so the positive scores of the largest plus
the negative scores of the smallest bound the quality of every member (§3.1, the bound
f+(R_max) + f-(R_min) of the bag-of-visual-words quality function); integral images make each
bound four look-ups per sign. The sets wait in a priority queue by bound; the best one is split
in two along its widest interval; when the best is a single rectangle, its bound is its
quality and no other set can beat it: the result is exact (§2.2, Algorithm 1).

Measured with `python benchmarks/subwindow_search_bounds.py` (five seeds; docs/detection.md):
with a positive 10 x 12 object in a negative, noisy map the search evaluates 41-69 bounds on
32 x 32 (278,784 rectangles) and 79-139 on 64 x 64 (4,326,400); on pure N(0, 1) noise, where
many rectangles are nearly as good as the best, 9,107-15,441 and 126,311-271,289 (about 5 %).
"""

import dataclasses
import heapq

import numpy as np


@dataclasses.dataclass(frozen=True)
class Subwindow:
    """A rectangle of map cells, ends inclusive, with its quality.

    Attributes:
        top, bottom, left, right: its first and last row and column.
        score: the sum of the map over it.
        bounds_evaluated: how many sets of rectangles the search bounded to find it.
    """

    top: int
    bottom: int
    left: int
    right: int
    score: float
    bounds_evaluated: int = 0


def rectangle_count(height, width):
    """The number of non-empty rectangles of cells in a `height` x `width` map."""
    return height * (height + 1) // 2 * (width * (width + 1) // 2)


def _integral(values):
    # Rows of a Python list: indexing it is ~5x faster than indexing a numpy array per bound.
    table = np.zeros((values.shape[0] + 1, values.shape[1] + 1))
    table[1:, 1:] = values.cumsum(0).cumsum(1)
    return table.tolist()


def efficient_subwindow_search(score_map):
    """The rectangle of `score_map` (H, W) whose scores sum highest, by branch and bound.

    Exact: its score equals the best of all rectangles (ties go to the one found first).
    A map with no positive score gives its best single cell.

    Returns:
        Subwindow (cells, ends inclusive; score; bounds evaluated).
    """
    values = np.asarray(score_map, np.float64)
    if values.ndim != 2 or not values.size:
        raise ValueError(f"score_map must be a non-empty (H, W) array, got {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("score_map has non-finite scores")
    positive, negative = _integral(np.maximum(values, 0)), _integral(np.minimum(values, 0))

    def area(table, top, bottom, left, right):
        return (table[bottom + 1][right + 1] - table[top][right + 1]
                - table[bottom + 1][left] + table[top][left])

    def bound(s):
        t_lo, t_hi, b_lo, b_hi, l_lo, l_hi, r_lo, r_hi = s
        best = area(positive, t_lo, b_hi, l_lo, r_hi)  # the largest rectangle's gains
        if t_hi <= b_lo and l_hi <= r_lo:  # the smallest one's losses, if it is not empty
            best += area(negative, t_hi, b_lo, l_hi, r_lo)
        return best

    height, width = values.shape
    start = (0, height - 1, 0, height - 1, 0, width - 1, 0, width - 1)
    queue = [(-bound(start), 0, start)]
    evaluated = 1
    while queue:
        negated, _, s = heapq.heappop(queue)
        sides = [s[1] - s[0], s[3] - s[2], s[5] - s[4], s[7] - s[6]]
        k = max(range(4), key=sides.__getitem__)
        if sides[k] == 0:
            return Subwindow(s[0], s[2], s[4], s[6], -negated, evaluated)
        low, high = s[2 * k], s[2 * k + 1]
        middle = (low + high) // 2
        for half in ((low, middle), (middle + 1, high)):
            child = list(s)
            child[2 * k: 2 * k + 2] = half
            t_lo, t_hi, b_lo, b_hi, l_lo, l_hi, r_lo, r_hi = child
            if t_lo > b_hi or l_lo > r_hi:
                continue  # every rectangle of the set would end before it starts
            # Keep only tops that some bottom can follow (and so on): the same valid
            # rectangles, a tighter bound.
            child = (t_lo, min(t_hi, b_hi), max(b_lo, t_lo), b_hi,
                     l_lo, min(l_hi, r_hi), max(r_lo, l_lo), r_hi)
            evaluated += 1
            heapq.heappush(queue, (-bound(child), evaluated, child))
    raise AssertionError("unreachable: the full set always holds a rectangle")


@dataclasses.dataclass(frozen=True)
class BoxSearch:
    """The best box of one class in an image, found in a convolutional classifier's map.

    Attributes:
        box: (x1, y1, x2, y2) pixels (see `best_box`'s `extent`).
        score: the summed per-window quality of `cells`.
        cells: the Subwindow of map positions.
    """

    box: tuple
    score: float
    cells: Subwindow


def window_quality(probabilities, threshold=None, epsilon=1e-6):
    """Per-window quality of one class's probabilities: the log-odds log(p / (1 - p)), or
    p - `threshold`; either is negative where background is likelier, as the search needs."""
    p = np.asarray(probabilities, np.float64)
    if threshold is not None:
        return p - threshold
    p = np.clip(p, epsilon, 1 - epsilon)
    return np.log(p) - np.log1p(-p)


def best_box(score_map, class_index, geometry, threshold=None, extent="centres"):
    """The best box of class `class_index` from `dense_to_conv(classifier)`'s map.

    Args:
        score_map: one image's class probabilities `(H', W', K)` (softmax scores).
        class_index: the class to localise.
        geometry: `sliding_geometry(classifier)`: window and stride of the map's positions.
        threshold: None scores each window by its log-odds; a number t by p - t.
        extent: how map positions become pixels. "centres": each position stands for the
            stride x stride cell at its window's centre, so the box spans the centres of the
            chosen windows (the paper's boxes span the feature points they contain);
            "windows": the union of the chosen windows, which reaches half a window beyond.

    Returns:
        BoxSearch: the pixel box (floats, ends exclusive) and the search's result.
    """
    quality = window_quality(np.asarray(score_map)[..., class_index], threshold)
    cells = efficient_subwindow_search(quality)
    (sy, sx), (h, w) = geometry.stride, geometry.window
    x1, y1, x2, y2 = (cells.left * sx, cells.top * sy, cells.right * sx + w,
                      cells.bottom * sy + h)
    if extent == "centres":
        x1, y1 = x1 + (w - sx) / 2, y1 + (h - sy) / 2
        x2, y2 = x2 - (w - sx) / 2, y2 - (h - sy) / 2
    elif extent != "windows":
        raise ValueError(f"extent must be 'centres' or 'windows', got {extent!r}")
    return BoxSearch(tuple(float(v) for v in (x1, y1, x2, y2)), cells.score, cells)
