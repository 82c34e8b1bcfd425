"""keras_cv_adapter.non_max_suppression_layer: keras-cv's batched, class-agnostic NMS."""

import numpy as np

from kerasvision.models.detection.keras_cv_adapter import non_max_suppression_layer


def test_overlapping_box_of_another_class_is_suppressed():
    # Boxes 0 and 1 overlap with IoU 81/119 ≈ 0.68 > 0.5; box 2 is apart. Their best classes
    # differ (0 vs 1): a class-agnostic NMS still drops box 1, the weaker.
    boxes = np.array([[[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]]], np.float32)
    scores = np.array([[[0.9, 0.0], [0.0, 0.8], [0.7, 0.0]]], np.float32)
    layer = non_max_suppression_layer("xyxy", iou_threshold=0.5, confidence_threshold=0.1,
                                      max_detections=5)
    out = layer(boxes, scores)
    count = int(np.asarray(out["num_detections"])[0])
    assert count == 2
    np.testing.assert_allclose(np.asarray(out["boxes"])[0, :count], boxes[0, [0, 2]])
    np.testing.assert_allclose(np.asarray(out["confidence"])[0, :count], [0.9, 0.7], atol=1e-6)
