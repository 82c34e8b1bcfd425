"""SSD's default boxes (Liu et al., SSD: Single Shot MultiBox Detector, ECCV 2016, §2.2).

At each position of feature map k, boxes of scale s_k for aspect ratios 1, a and 1/a for each
extra ratio a (width s·√a, height s/√a), plus one more square box of scale √(s_k·s_{k+1}); so
2 + 2·len(ratios) boxes per position. Centres are ((j + 0.5)·step, (i + 0.5)·step) in pixels.

Sizes follow the authors' Caffe release (ssd_pascal.py / ssd_pascal_512.py), whose numbers the
published results come from: per level a `min_size` (s_k) and a `max_size` (s_{k+1}) in pixels,
and a `step`. With SSD300's six maps (38, 19, 10, 5, 3, 1) and 4, 6, 6, 6, 4, 4 boxes per
position that is 8,732 boxes (the paper's Table/§3 figure); SSD512 has 24,564.
"""

import math

import numpy as np


def boxes_per_position(aspect_ratios):
    """How many default boxes one position of a map with these extra ratios has."""
    return 2 + 2 * len(aspect_ratios)


def default_boxes(feature_sizes, min_sizes, max_sizes, aspect_ratios, steps, image_size,
                  clip=True):
    """All default boxes, level by level, row-major per map, boxes per position innermost.

    Args:
        feature_sizes: (height, width) of each feature map, shallow to deep.
        min_sizes, max_sizes: s_k and s_{k+1} of each level, in pixels.
        aspect_ratios: per level, the extra ratios a (each adds a and 1/a), e.g. (2, 3).
        steps: per level, the pixel distance between neighbouring centres.
        image_size: (height, width) of the input image, for clipping.
        clip: clip the boxes to the image (the Caffe release does, for SSD300 and SSD512).

    Returns:
        (N, 4) float32 xyxy pixel boxes, in the order the heads' outputs are flattened.
    """
    levels = (feature_sizes, min_sizes, max_sizes, aspect_ratios, steps)
    if len({len(each) for each in levels}) != 1:
        raise ValueError("feature_sizes, min_sizes, max_sizes, aspect_ratios and steps need "
                         "one entry per level")
    all_boxes = []
    for (rows, cols), small, large, ratios, step in zip(*levels):
        sides = [(small, small), (math.sqrt(small * large),) * 2]
        for ratio in ratios:
            root = math.sqrt(ratio)
            sides += [(small * root, small / root), (small / root, small * root)]
        sides = np.asarray(sides, np.float64)  # (K, 2) as (width, height)
        step_y, step_x = (step, step) if np.isscalar(step) else step
        cy, cx = np.meshgrid((np.arange(rows) + 0.5) * step_y, (np.arange(cols) + 0.5) * step_x,
                             indexing="ij")
        centres = np.stack([cx, cy], -1).reshape(-1, 1, 2)  # (P, 1, 2) as (x, y)
        half = sides[None] / 2
        all_boxes.append(np.concatenate([centres - half, centres + half], -1).reshape(-1, 4))
    boxes = np.concatenate(all_boxes, 0)
    if clip:
        height, width = image_size
        boxes = np.clip(boxes, 0, [width, height, width, height])
    return boxes.astype(np.float32)


def scale_sizes(image_side, levels, min_ratio, max_ratio, first_ratios=None):
    """The Caffe release's rule for min/max sizes: ratios from `min_ratio` to `max_ratio` percent
    in equal integer steps over the levels (after a separately given first level).

    Args:
        image_side: the (square) input's side in pixels.
        levels: number of feature maps.
        min_ratio, max_ratio: percent of the side for the first and last of the stepped levels.
        first_ratios: (min %, max %) of an extra first level (SSD300: (10, 20) for conv4_3),
            or None when every level is stepped.

    Returns:
        `(min_sizes, max_sizes)`, lists of pixels.
    """
    stepped = levels - (1 if first_ratios else 0)
    step = int(math.floor((max_ratio - min_ratio) / (stepped - 1))) if stepped > 1 else 0
    ratios = [min_ratio + i * step for i in range(stepped)]
    mins = [image_side * r / 100 for r in ratios]
    maxs = [image_side * (r + step) / 100 for r in ratios]
    if first_ratios:
        mins = [image_side * first_ratios[0] / 100] + mins
        maxs = [image_side * first_ratios[1] / 100] + maxs
    return mins, maxs
