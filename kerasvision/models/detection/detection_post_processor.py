"""From per-anchor boxes and class scores to the detection dict, inside the graph.

The last step every anchor-based detector here shares (SSD, DSSD, Faster R-CNN's second
stage): per-class greedy non-maximum suppression (Felzenszwalb et al. 2010's rule, as in every
detector since) over decoded boxes, the best `max_detections` kept across classes, the rest of
the rows padded with -1 — the detection contract of kerasvision/models/contracts/detection.py.
It is graph ops only (`tf.image.combined_non_max_suppression`, no py_function), so a
SavedModel returns final boxes; keras-cv's own detectors lose this step on export
(docs/detection.md).
"""

import tensorflow as tf
from keras import ops


def detection_dict(boxes, scores, max_detections=100, iou_threshold=0.45,
                   score_threshold=0.01, pre_nms_top_k=None):
    """Per-class NMS of decoded boxes; the padded detection dict.

    Args:
        boxes: (B, N, 4) float32 decoded boxes, xyxy (NMS only needs a consistent corner
            order: IoU is symmetric in x and y, and boxes are not clipped here).
        scores: (B, N, C) float32 per-class confidences in [0, 1] (no background column).
        max_detections: K, the rows of the output per image (and the most kept per class).
        iou_threshold: a box whose IoU with a better box of its class exceeds this goes.
        score_threshold: the least confidence a detection may have.
        pre_nms_top_k: keep only each image's best `pre_nms_top_k` anchors (by their best
            class score) before NMS; bounds the cost on many anchors (SSD300: 8,732).

    Returns:
        `{"boxes": (B, K, 4), "confidence": (B, K), "classes": (B, K) float32 class ids,
        "num_detections": (B,) int32}`, best first, rows past `num_detections` all -1.
    """
    boxes = ops.cast(boxes, "float32")
    scores = ops.cast(scores, "float32")
    if pre_nms_top_k is not None and pre_nms_top_k < boxes.shape[1]:
        best = ops.max(scores, axis=-1)
        _, keep = tf.math.top_k(best, k=int(pre_nms_top_k))
        boxes = tf.gather(boxes, keep, batch_dims=1)
        scores = tf.gather(scores, keep, batch_dims=1)
    nms = tf.image.combined_non_max_suppression(
        boxes[:, :, None, :], scores, max_output_size_per_class=max_detections,
        max_total_size=max_detections, iou_threshold=iou_threshold,
        score_threshold=score_threshold, clip_boxes=False)
    valid = ops.arange(max_detections)[None, :] < nms.valid_detections[:, None]
    return {"boxes": ops.where(valid[..., None], nms.nmsed_boxes, -1.0),
            "confidence": ops.where(valid, nms.nmsed_scores, -1.0),
            "classes": ops.where(valid, nms.nmsed_classes, -1.0),
            "num_detections": ops.cast(nms.valid_detections, "int32")}
