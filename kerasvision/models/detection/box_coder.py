"""Faster R-CNN's box parameterisation (Ren et al. 2015, eq. 2; torchvision's BoxCoder).

For a box (x, y, w, h) (centre and size) and an anchor (xa, ya, wa, ha):

    tx = wx * (x - xa) / wa        ty = wy * (y - ya) / ha
    tw = ww * log(w / wa)          th = wh * log(h / ha)

with weights (wx, wy, ww, wh) = (10, 10, 5, 5) by default, torchvision's values for the
second stage (use (1, 1, 1, 1) for the RPN). The weights play the part of SSD's
"variance" (their reciprocals), giving the four targets comparable scales.

Everything is keras.ops on tensors with no Python branching on their values, so the coder
runs inside a traced function or a SavedModel. The numpy helpers in keras_cv_adapter.py
(`encode_boxes_to_deltas`) are for eager, host-side use; this class is the graph version.

Boxes are "xyxy" in pixels by default (keras_cv_adapter's default format); "yxyx" is also
accepted. Deltas are always ordered (tx, ty, tw, th), whatever the box format.
"""

import math

from keras import ops

# torchvision's bbox_xform_clip: the largest log-scale a decoded box may grow by, so that
# exp cannot overflow on an untrained network's outputs.
BBOX_XFORM_CLIP = math.log(1000.0 / 16.0)

SUPPORTED_FORMATS = ("xyxy", "yxyx")


def to_xyxy(boxes, bounding_box_format):
    """Graph-side conversion between the two corner formats (a column swap)."""
    check_box_format(bounding_box_format)
    if bounding_box_format == "xyxy":
        return boxes
    return ops.stack([boxes[..., 1], boxes[..., 0], boxes[..., 3], boxes[..., 2]], axis=-1)


def from_xyxy(boxes, bounding_box_format):
    # The swap is its own inverse.
    return to_xyxy(boxes, bounding_box_format)


def check_box_format(bounding_box_format):
    if bounding_box_format not in SUPPORTED_FORMATS:
        raise ValueError(f"bounding_box_format must be one of {SUPPORTED_FORMATS}, "
                         f"got {bounding_box_format!r}; convert with "
                         "keras_cv_adapter.convert_box_format first")


def _centre_size(xyxy):
    w = xyxy[..., 2] - xyxy[..., 0]
    h = xyxy[..., 3] - xyxy[..., 1]
    return xyxy[..., 0] + 0.5 * w, xyxy[..., 1] + 0.5 * h, w, h


class BoxCoder:
    """Encodes boxes as regression deltas against anchors and decodes them back.

    Args:
        weights: (wx, wy, ww, wh) multipliers of the four deltas.
        bbox_xform_clip: upper clamp on the decoded tw/ww and th/wh (log-scales).
        bounding_box_format: "xyxy" (default) or "yxyx", for boxes and anchors alike.
        min_size: boxes narrower than this are widened to it before the log, so that
            degenerate rows (such as -1 padding) still give finite, ignorable targets.
    """

    def __init__(self, weights=(10.0, 10.0, 5.0, 5.0), bbox_xform_clip=BBOX_XFORM_CLIP,
                 bounding_box_format="xyxy", min_size=1e-6):
        if len(weights) != 4:
            raise ValueError(f"weights must be (wx, wy, ww, wh), got {weights!r}")
        check_box_format(bounding_box_format)
        self.weights = tuple(float(w) for w in weights)
        self.bbox_xform_clip = float(bbox_xform_clip)
        self.bounding_box_format = bounding_box_format
        self.min_size = float(min_size)

    def encode(self, boxes, anchors):
        """Deltas (..., 4) = (tx, ty, tw, th) of `boxes` (..., 4) against `anchors` (..., 4)
        (broadcast against each other)."""
        boxes = to_xyxy(ops.convert_to_tensor(boxes, "float32"), self.bounding_box_format)
        anchors = to_xyxy(ops.convert_to_tensor(anchors, "float32"), self.bounding_box_format)
        wx, wy, ww, wh = self.weights
        ax, ay, aw, ah = _centre_size(anchors)
        bx, by, bw, bh = _centre_size(boxes)
        bw = ops.maximum(bw, self.min_size)
        bh = ops.maximum(bh, self.min_size)
        return ops.stack([wx * (bx - ax) / aw, wy * (by - ay) / ah,
                          ww * ops.log(bw / aw), wh * ops.log(bh / ah)], axis=-1)

    def decode(self, deltas, anchors):
        """Boxes (..., 4) in `bounding_box_format` from `deltas` (..., 4) against `anchors`;
        the inverse of `encode`, with tw/ww and th/wh clamped at `bbox_xform_clip`."""
        deltas = ops.convert_to_tensor(deltas, "float32")
        anchors = to_xyxy(ops.convert_to_tensor(anchors, "float32"), self.bounding_box_format)
        wx, wy, ww, wh = self.weights
        ax, ay, aw, ah = _centre_size(anchors)
        dx, dy = deltas[..., 0] / wx, deltas[..., 1] / wy
        dw = ops.minimum(deltas[..., 2] / ww, self.bbox_xform_clip)
        dh = ops.minimum(deltas[..., 3] / wh, self.bbox_xform_clip)
        cx, cy = ax + dx * aw, ay + dy * ah
        w, h = aw * ops.exp(dw), ah * ops.exp(dh)
        xyxy = ops.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], axis=-1)
        return from_xyxy(xyxy, self.bounding_box_format)
