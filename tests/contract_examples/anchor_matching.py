"""Anchors, box coding and IoU matching of the tiny test detector (xyxy boxes in pixels).

A test fixture, deliberately minimal: one square anchor per feature-map position, one IoU
threshold pair. The package's own anchor generator, box coder and matcher are separate work.
"""

import math

import numpy as np

from keras import ops

# Deltas are divided by these before the loss (SSD's "variance"), so that the four targets
# have comparable scales.
VARIANCE = (0.1, 0.1, 0.2, 0.2)
# Largest log-scale a decoded box may grow by (Detectron's clip), so that exp cannot overflow.
MAX_LOG_SCALE = math.log(1000.0 / 16.0)
# RetinaNet's thresholds: IoU >= 0.5 matches, < 0.4 is background, in between is ignored.
POSITIVE_IOU, NEGATIVE_IOU = 0.5, 0.4


def grid_anchors(height, width, stride, size):
    """Square anchors of side `size` centred on every cell of a `stride`-step grid:
    `(height // stride * width // stride, 4)` xyxy, row-major like a flattened feature map."""
    ys, xs = np.meshgrid((np.arange(height // stride) + 0.5) * stride,
                         (np.arange(width // stride) + 0.5) * stride, indexing="ij")
    centres = np.stack([xs.ravel(), ys.ravel()], axis=-1)
    return np.concatenate([centres - size / 2, centres + size / 2], axis=-1).astype("float32")


def _centre_size(boxes):
    return ((boxes[..., 0] + boxes[..., 2]) / 2, (boxes[..., 1] + boxes[..., 3]) / 2,
            boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1])


def encode(anchors, boxes):
    """Deltas `(..., 4)` of xyxy `boxes` against `anchors`: centre offsets in anchor sides and
    log side ratios (Girshick, Fast R-CNN 2015), divided by VARIANCE."""
    acx, acy, aw, ah = _centre_size(anchors)
    bcx, bcy, bw, bh = _centre_size(boxes)
    # Unmatched anchors carry -1 padding boxes; their (ignored) targets must still be finite.
    bw, bh = ops.maximum(bw, 1e-3), ops.maximum(bh, 1e-3)
    deltas = ops.stack([(bcx - acx) / aw, (bcy - acy) / ah, ops.log(bw / aw),
                        ops.log(bh / ah)], axis=-1)
    return deltas / ops.convert_to_tensor(VARIANCE, deltas.dtype)


def decode(anchors, deltas):
    """xyxy boxes from `deltas` against `anchors`; the inverse of `encode`."""
    deltas = deltas * ops.convert_to_tensor(VARIANCE, deltas.dtype)
    acx, acy, aw, ah = _centre_size(anchors)
    cx, cy = acx + deltas[..., 0] * aw, acy + deltas[..., 1] * ah
    w = aw * ops.exp(ops.minimum(deltas[..., 2], MAX_LOG_SCALE))
    h = ah * ops.exp(ops.minimum(deltas[..., 3], MAX_LOG_SCALE))
    return ops.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=-1)


def pairwise_iou(anchors, boxes):
    """IoU of anchors `(N, 4)` with each image's boxes `(B, M, 4)`: `(B, N, M)`."""
    a = anchors[None, :, None, :]
    b = boxes[:, None, :, :]
    inter_w = ops.maximum(ops.minimum(a[..., 2], b[..., 2]) - ops.maximum(a[..., 0], b[..., 0]), 0)
    inter_h = ops.maximum(ops.minimum(a[..., 3], b[..., 3]) - ops.maximum(a[..., 1], b[..., 1]), 0)
    inter = inter_w * inter_h
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return inter / ops.maximum(area_a + area_b - inter, 1e-6)


def match(anchors, boxes, classes):
    """Each anchor's ground truth: the box of highest IoU among the image's valid rows.

    Args:
        anchors: `(N, 4)` xyxy.
        boxes: `(B, M, 4)` xyxy ground-truth boxes, -1 rows for padding.
        classes: `(B, M)` class indices, -1 for padding.

    Returns:
        `(matched_boxes (B, N, 4), matched_classes (B, N) int32, positive (B, N),
        negative (B, N))`, the last two float masks (ignored anchors are in neither).
    """
    valid = ops.expand_dims(classes >= 0, 1)
    iou = ops.where(valid, pairwise_iou(anchors, boxes), -1.0)
    best = ops.argmax(iou, axis=-1)
    best_iou = ops.max(iou, axis=-1)
    matched_boxes = ops.take_along_axis(boxes, ops.expand_dims(best, -1), axis=1)
    matched_classes = ops.cast(ops.take_along_axis(classes, best, axis=1), "int32")
    positive = ops.cast(best_iou >= POSITIVE_IOU, boxes.dtype)
    negative = ops.cast(best_iou < NEGATIVE_IOU, boxes.dtype)
    return matched_boxes, matched_classes, positive, negative
