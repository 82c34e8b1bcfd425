"""Which regions R-CNN trains its classifier and box regressors on (Girshick, Donahue, Darrell &
Malik, CVPR 2014, §2.3 and Appendix B and C).

Classifier labels, one per region of an image (the ground-truth boxes themselves first, then
the proposals), 0 for background and 1 + class for objects:

- the ground-truth boxes are positives of their class (the SVMs' only positives, §2.3);
- a proposal whose best IoU with a ground-truth box is at least `positive_iou` is a positive
  of that box's class (the fine-tuning rule, IoU >= 0.5; `positive_iou=None` keeps the SVMs'
  ground-truth-only positives);
- a proposal whose best IoU is below `negative_iou` is background (the SVMs' 0.3, chosen by
  grid search, Appendix B);
- the others are not used (label -1).

Box-regression pairs (Appendix C): a proposal P is paired with the ground-truth box G of
highest IoU when that IoU is at least `regression_iou` (0.6); its targets are
tx = (Gx - Px) / Pw, ty = (Gy - Py) / Ph, tw = log(Gw / Pw), th = log(Gh / Ph) (centres and
sizes) — `BoxCoder` with weights (1, 1, 1, 1).
"""

import numpy as np
from keras import ops

from kerasvision.models.detection.box_coder import BoxCoder
from kerasvision.models.detection.box_matcher import pairwise_iou

PAPER_POSITIVE_IOU = 0.5  # fine-tuning positives (§2.3)
PAPER_NEGATIVE_IOU = 0.3  # SVM negatives (§2.3, Appendix B)
PAPER_REGRESSION_IOU = 0.6  # box-regression pairs (Appendix C)
IGNORE = -1

# The paper's parameterisation is BoxCoder's with unit weights (Appendix C, eq. 6-9).
RCNN_BOX_CODER = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))


def real_objects(boxes, classes):
    """The rows of one image's targets that are objects: padding rows (class < 0, or all
    four coordinates -1, the detection contract's convention) dropped."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    classes = np.asarray(classes).reshape(-1)
    if len(boxes) != len(classes):
        raise ValueError(f"{len(boxes)} boxes but {len(classes)} classes")
    keep = (classes >= 0) & ~np.all(boxes == -1, axis=1)
    return boxes[keep], classes[keep].astype(np.int64)


def best_matches(regions, truth):
    """Each region's highest IoU with `truth` and the index of that box: (N,), (N,)."""
    if len(truth) == 0 or len(regions) == 0:
        return np.zeros(len(regions), np.float32), np.zeros(len(regions), np.int64)
    iou = ops.convert_to_numpy(pairwise_iou(regions, truth))
    return iou.max(axis=1), iou.argmax(axis=1)


def classifier_labels(proposals, truth, truth_classes, positive_iou=PAPER_POSITIVE_IOU,
                      negative_iou=PAPER_NEGATIVE_IOU):
    """Labels (M + N,) of the regions `concat(truth, proposals)` (module doc)."""
    proposals = np.asarray(proposals, np.float32).reshape(-1, 4)
    overlap, match = best_matches(proposals, truth)
    labels = np.full(len(proposals), IGNORE, np.int64)
    labels[overlap < negative_iou] = 0
    if positive_iou is not None and len(truth):
        positive = overlap >= positive_iou
        labels[positive] = 1 + np.asarray(truth_classes)[match[positive]]
    return np.concatenate([1 + np.asarray(truth_classes, np.int64), labels])


def regression_pairs(proposals, truth, truth_classes, regression_iou=PAPER_REGRESSION_IOU):
    """The proposals paired for box regression (module doc).

    Returns:
        (indices into `proposals`, their targets (K, 4) (tx, ty, tw, th), their classes (K,)).
    """
    proposals = np.asarray(proposals, np.float32).reshape(-1, 4)
    overlap, match = best_matches(proposals, truth)
    chosen = np.flatnonzero(overlap >= regression_iou) if len(truth) else np.zeros(0, np.int64)
    if len(chosen) == 0:
        return chosen, np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    targets = ops.convert_to_numpy(RCNN_BOX_CODER.encode(truth[match[chosen]],
                                                         proposals[chosen]))
    return chosen, targets.astype(np.float32), np.asarray(truth_classes)[match[chosen]]


__all__ = ["IGNORE", "PAPER_NEGATIVE_IOU", "PAPER_POSITIVE_IOU", "PAPER_REGRESSION_IOU",
           "RCNN_BOX_CODER", "best_matches", "classifier_labels", "real_objects",
           "regression_pairs"]
