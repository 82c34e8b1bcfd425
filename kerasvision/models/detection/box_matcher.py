"""Anchor-to-ground-truth matching by IoU (the RPN's rule, Ren et al. 2015 §3.1.2).

An anchor is positive (label 1) if its IoU with some ground-truth box exceeds
`positive_iou`, or — with `allow_low_quality` — if it is the highest-IoU anchor for some
ground-truth box; negative (label 0) if its IoU with every box is below `negative_iou`;
ignored (label -1) otherwise. The thresholds are strict as in the paper ("higher than
0.7", "lower than 0.3"); torchvision's Matcher treats IoU == positive_iou as positive.

Like torchvision, a low-quality positive keeps its own highest-IoU box as its match, and
ties for a box's highest IoU are all positive. Unlike torchvision, a box that overlaps no
anchor at all (highest IoU 0) makes no anchor positive.

keras.ops only, no Python branching on tensor values: usable in a traced function or a
SavedModel. Boxes are "xyxy" in pixels by default (keras_cv_adapter's default format).
`keras_cv_adapter.box_iou` is keras-cv's eager numpy IoU; `pairwise_iou` here is the
graph version.
"""

from keras import ops

from kerasvision.models.detection.box_coder import to_xyxy


def pairwise_iou(boxes_a, boxes_b, bounding_box_format="xyxy"):
    """IoU of every box of `boxes_a` (..., N, 4) with every box of `boxes_b` (..., M, 4):
    (..., N, M). Leading dimensions broadcast, so (N, 4) anchors against (B, M, 4) boxes
    give (B, N, M). Empty or inverted boxes have area 0 and IoU 0."""
    a = to_xyxy(ops.convert_to_tensor(boxes_a, "float32"), bounding_box_format)
    b = to_xyxy(ops.convert_to_tensor(boxes_b, "float32"), bounding_box_format)
    a = a[..., :, None, :]
    b = b[..., None, :, :]
    inter_w = ops.maximum(ops.minimum(a[..., 2], b[..., 2]) - ops.maximum(a[..., 0], b[..., 0]), 0.0)
    inter_h = ops.maximum(ops.minimum(a[..., 3], b[..., 3]) - ops.maximum(a[..., 1], b[..., 1]), 0.0)
    inter = inter_w * inter_h
    area_a = ops.maximum(a[..., 2] - a[..., 0], 0.0) * ops.maximum(a[..., 3] - a[..., 1], 0.0)
    area_b = ops.maximum(b[..., 2] - b[..., 0], 0.0) * ops.maximum(b[..., 3] - b[..., 1], 0.0)
    union = area_a + area_b - inter
    return ops.where(union > 0, inter / ops.maximum(union, 1e-12), 0.0)


class BoxMatcher:
    """Assigns each anchor a ground-truth box and a label 1 / 0 / -1.

    Args:
        positive_iou: IoU above which an anchor is positive.
        negative_iou: IoU below which (against every box) an anchor is negative.
        allow_low_quality: also make each box's highest-IoU anchor(s) positive.
        bounding_box_format: "xyxy" (default) or "yxyx".
    """

    POSITIVE, NEGATIVE, IGNORE = 1, 0, -1

    def __init__(self, positive_iou=0.7, negative_iou=0.3, allow_low_quality=True,
                 bounding_box_format="xyxy"):
        if negative_iou > positive_iou:
            raise ValueError(f"negative_iou {negative_iou} > positive_iou {positive_iou}")
        self.positive_iou = float(positive_iou)
        self.negative_iou = float(negative_iou)
        self.allow_low_quality = allow_low_quality
        self.bounding_box_format = bounding_box_format

    def __call__(self, anchors, gt_boxes, gt_mask=None):
        """Match `anchors` (N, 4) against padded ground truth `gt_boxes` (M, 4) or (B, M, 4).

        Args:
            gt_mask: (..., M) booleans, True for real boxes; by default a row is padding
                when all four of its coordinates are -1. M must be at least 1 (pad).

        Returns:
            `(matched_index, labels)`, both int32 (N,) or (B, N): the index of each anchor's
            highest-IoU real box (-1 when the image has no real box; defined for every
            anchor, use it where labels == 1), and the labels 1 / 0 / -1.
        """
        gt_boxes = ops.convert_to_tensor(gt_boxes, "float32")
        if gt_mask is None:
            gt_mask = ops.logical_not(ops.all(ops.equal(gt_boxes, -1.0), axis=-1))
        gt_mask = ops.cast(gt_mask, "bool")
        iou = pairwise_iou(anchors, gt_boxes, self.bounding_box_format)  # (..., N, M)
        # Padding gets IoU -1: never the best match, and below any negative threshold.
        iou = ops.where(gt_mask[..., None, :], iou, -1.0)

        best_iou = ops.max(iou, axis=-1)
        matched = ops.cast(ops.argmax(iou, axis=-1), "int32")
        labels = ops.where(best_iou > self.positive_iou, self.POSITIVE,
                           ops.where(best_iou < self.negative_iou, self.NEGATIVE, self.IGNORE))
        if self.allow_low_quality:
            best_for_gt = ops.max(iou, axis=-2, keepdims=True)  # (..., 1, M)
            is_best = ops.logical_and(ops.equal(iou, best_for_gt), best_for_gt > 0.0)
            labels = ops.where(ops.any(is_best, axis=-1), self.POSITIVE, labels)
        has_gt = ops.any(gt_mask, axis=-1)[..., None]
        matched = ops.where(has_gt, matched, -1)
        return ops.cast(matched, "int32"), ops.cast(labels, "int32")

    match = __call__
