"""Region proposal methods by name, so that a pipeline can save which one it uses.

A proposal method is a function `image (H, W, C) -> (N, 4) float32 xyxy boxes`, best first.
The named ones:

| name | what | needs |
|---|---|---|
| `selective_search_fast` | Uijlings et al. 2013, fast mode (R-CNN's choice) | OpenCV contrib |
| `selective_search_quality` | Uijlings et al. 2013, quality mode | OpenCV contrib |
| `edge_boxes` | Zitnick & Dollár 2014 on gradient edges (edge_boxes.py) | OpenCV contrib |
| `sliding_windows` | every window of a few sizes and shapes on a half-window grid | nothing |

`sliding_windows` is the cheap, dependency-free method of tests and tiny variants (and the
exhaustive search that proposals replaced, Girshick et al. 2014 §2.1).
"""

import functools
import itertools

import numpy as np

from kerasvision.models.detection.edge_boxes import edge_boxes
from kerasvision.models.detection.selective_search import selective_search

# Window sides as fractions of the image's shorter side, and width/height ratios.
WINDOW_SCALES = (0.25, 0.5, 0.75, 1.0)
WINDOW_ASPECT_RATIOS = (0.5, 1.0, 2.0)
# Step between windows as a fraction of the window's side along that axis.
WINDOW_STEP = 0.5


def sliding_windows(image, scales=WINDOW_SCALES, aspect_ratios=WINDOW_ASPECT_RATIOS,
                    step=WINDOW_STEP):
    """Every window of each scale and aspect ratio inside `image`, on a grid of `step`
    window sides, largest windows first: (N, 4) float32 xyxy."""
    height, width = np.shape(image)[:2]
    shorter = min(height, width)
    windows = []
    for scale, ratio in itertools.product(sorted(scales, reverse=True), aspect_ratios):
        w = min(width, scale * shorter * np.sqrt(ratio))
        h = min(height, scale * shorter / np.sqrt(ratio))
        xs = _starts(width, w, step)
        ys = _starts(height, h, step)
        x, y = np.meshgrid(xs, ys, indexing="xy")
        x, y = x.ravel(), y.ravel()
        windows.append(np.stack([x, y, x + w, y + h], axis=1))
    boxes = np.round(np.concatenate(windows), 2).astype(np.float32)
    # Sizes capped at the image make some windows repeat: keep each once, in order.
    _, first = np.unique(boxes, axis=0, return_index=True)
    return boxes[np.sort(first)]


def _starts(extent, side, step):
    # Grid positions from 0 to extent - side, evenly spread, at most `step * side` apart.
    room = extent - side
    count = int(np.ceil(room / max(step * side, 1e-6))) + 1 if room > 1e-6 else 1
    return np.linspace(0.0, room, count)


PROPOSAL_METHODS = {
    "selective_search_fast": functools.partial(selective_search, mode="fast"),
    "selective_search_quality": functools.partial(selective_search, mode="quality"),
    "edge_boxes": edge_boxes,
    "sliding_windows": sliding_windows,
}


def proposal_method(name):
    """The proposal function registered as `name` (module doc)."""
    if name not in PROPOSAL_METHODS:
        raise ValueError(f"unknown proposal method {name!r}; known: "
                         f"{', '.join(PROPOSAL_METHODS)}, or pass a function")
    return PROPOSAL_METHODS[name]


__all__ = ["PROPOSAL_METHODS", "proposal_method", "sliding_windows"]
