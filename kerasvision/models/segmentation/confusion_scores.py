"""Segmentation scores from a confusion matrix, for evaluation in numpy: per-class IoU, mean IoU
and pixel accuracy (Long, Shelhamer & Darrell, Fully Convolutional Networks for Semantic
Segmentation, CVPR 2015, §5: "pixel accuracy" and "mean IU"; the Pascal VOC and Cityscapes
benchmarks' IoU = TP / (TP + FP + FN)).

Accumulate one matrix over a whole data set (`confusion_matrix` of each batch, summed) and score
it once: IoU averaged per image is a different, noisier number.
"""

import numpy as np


def confusion_matrix(y_true, y_pred, num_classes, ignore_index=None):
    """Counts of pixels of true class i predicted as class j, `(num_classes, num_classes)` int64.

    Args:
        y_true: integer class map(s) of any shape.
        y_pred: predicted class indices of the same shape, or class scores with one more,
            last axis of `num_classes` (the argmax is taken).
        num_classes: number of classes.
        ignore_index: target value whose pixels are not counted (a "void" label such as 255).

    Raises:
        ValueError: shapes differ, or a target (other than `ignore_index`) or prediction lies
            outside [0, num_classes).
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == num_classes:
        y_pred = y_pred.argmax(axis=-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"targets of shape {y_true.shape}, predictions {y_pred.shape}")
    y_true, y_pred = y_true.ravel().astype(np.int64), y_pred.ravel().astype(np.int64)
    if ignore_index is not None:
        keep = y_true != ignore_index
        y_true, y_pred = y_true[keep], y_pred[keep]
    for what, values in (("target", y_true), ("prediction", y_pred)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"{what} classes must lie in [0, {num_classes}), got "
                             f"[{values.min()}, {values.max()}]")
    counts = np.bincount(y_true * num_classes + y_pred, minlength=num_classes ** 2)
    return counts.reshape(num_classes, num_classes)


def per_class_iou(matrix):
    """IoU of each class, TP / (TP + FP + FN); NaN for a class neither present nor predicted."""
    matrix = np.asarray(matrix, dtype=np.float64)
    true_positives = np.diag(matrix)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - true_positives
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, true_positives / np.where(union > 0, union, 1), np.nan)


def mean_iou(matrix):
    """Mean of the per-class IoUs over the classes present or predicted (the NaNs left out), as
    keras.metrics.MeanIoU averages; NaN for an empty matrix."""
    ious = per_class_iou(matrix)
    return float(np.nanmean(ious)) if np.any(~np.isnan(ious)) else float("nan")


def pixel_accuracy(matrix):
    """Fraction of counted pixels whose class is right; NaN for an empty matrix."""
    matrix = np.asarray(matrix, dtype=np.float64)
    total = matrix.sum()
    return float(np.trace(matrix) / total) if total else float("nan")
