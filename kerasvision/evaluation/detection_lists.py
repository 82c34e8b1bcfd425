"""Padded detection batches -> the per-image lists `coco_detection_metrics` takes.

A detector's predictions follow the detection contract (docs in
kerasvision/models/contracts/detection.py): `{"boxes" (B, K, 4), "confidence" (B, K),
"classes" (B, K), "num_detections" (B,)}`, rows past `num_detections[i]` padded with -1.
Its training targets are `{"boxes" (B, M, 4), "classes" (B, M)}`, padding rows having
class -1. Both are in the detector's `bounding_box_format`; the metrics want "xyxy" pixels.
"""

import numpy as np


def detections_to_lists(detections, bounding_box_format="xyxy", image_shape=None):
    """One `(boxes (D, 4) xyxy, scores (D,), classes (D,) int)` per image of a batch of
    contract detections, padding dropped.

    Args:
        detections: the contract's dict of arrays (or tensors).
        bounding_box_format: keras-cv name of the boxes' format.
        image_shape: `(height, width)` of the images; needed for relative formats.
    """
    boxes, scores, classes, counts = (np.asarray(detections[key]) for key in
                                      ("boxes", "confidence", "classes", "num_detections"))
    per_image = []
    for i, count in enumerate(counts.reshape(-1).astype(np.int64)):
        per_image.append((_to_xyxy(boxes[i, :count], bounding_box_format, image_shape),
                          scores[i, :count].astype(np.float32),
                          classes[i, :count].astype(np.int64)))
    return per_image


def targets_to_lists(targets, bounding_box_format="xyxy", image_shape=None):
    """One `(boxes (N, 4) xyxy, classes (N,) int)` per image of a batch of contract
    targets, rows of class -1 (padding) dropped."""
    boxes, classes = np.asarray(targets["boxes"]), np.asarray(targets["classes"])
    per_image = []
    for image_boxes, image_classes in zip(boxes, classes):
        keep = image_classes != -1
        per_image.append((_to_xyxy(image_boxes[keep], bounding_box_format, image_shape),
                          image_classes[keep].astype(np.int64)))
    return per_image


def _to_xyxy(boxes, bounding_box_format, image_shape):
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    if bounding_box_format == "xyxy" or not len(boxes):
        return boxes
    # Imported here: the adapter's conversion loads keras-cv, which takes seconds.
    from kerasvision.models.detection.keras_cv_adapter import convert_box_format

    return convert_box_format(boxes, bounding_box_format, "xyxy", image_shape=image_shape)
