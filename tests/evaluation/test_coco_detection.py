"""COCO detection metrics through pycocotools, checked against hand-computed APs."""

import json
import math
import sys

import numpy as np
import pytest

pytest.importorskip("pycocotools")

from kerasvision.evaluation.coco_detection import (coco_detection_metrics,  # noqa: E402
                                                   coco_metrics_from_files)
from kerasvision.evaluation.detection_lists import (detections_to_lists,  # noqa: E402
                                                    targets_to_lists)

CLASSES = ["cat", "dog", "bird"]

# One class, two ground-truth boxes 10 x 10 px (area 100: "small", under 32²).
TWO_BOXES = [([[0, 0, 10, 10], [20, 0, 30, 10]], [0, 0])]
# d1 = ground truth A exactly (IoU 1); d2 = A shifted 5 px (IoU with A = 50/150 = 1/3, with
# B = 0); d3 = B widened to 15 px (IoU with B = 100/150 = 2/3).
THREE_DETECTIONS = [([[0, 0, 10, 10], [5, 0, 15, 10], [20, 0, 35, 10]], [0.9, 0.8, 0.7],
                     [0, 0, 0])]


def _perfect(ground_truth):
    return [(boxes, np.linspace(0.9, 0.5, len(classes)), classes)
            for boxes, classes in ground_truth]


def test_perfect_detections_score_one():
    ground_truth = [([[10, 10, 60, 50], [100, 20, 140, 90]], [0, 1]),
                    ([[0, 0, 200, 150]], [2])]
    metrics = coco_detection_metrics(ground_truth, _perfect(ground_truth), CLASSES,
                                     image_sizes=[(160, 220), (160, 220)])
    for name in ("mAP", "mAP50", "mAP75", "AR100"):
        assert metrics[name] == pytest.approx(1.0), name
    assert metrics["per_class_AP"] == pytest.approx({"cat": 1.0, "dog": 1.0, "bird": 1.0})
    assert metrics["images"] == 2 and metrics["detections"] == 3


def test_hand_computed_ap():
    # Ranked by score: d1, d2, d3.
    # IoU threshold 0.50 (0.50 to 0.65 alike): TP, FP, TP. Precision 1, 1/2, 2/3 at recall
    #   1/2, 1/2, 1. COCO's envelope (max precision at this recall or beyond): 1, 2/3, 2/3.
    #   Of the 101 recall levels 0, 0.01, ..., 1, the 51 up to 0.50 read precision 1 and the
    #   50 above read 2/3: AP50 = (51 + 50 * 2/3) / 101 = 253/303 = 0.834983...
    # IoU threshold 0.70 to 0.95 (six of them): d3 (IoU 2/3) is a FP: TP, FP, FP; recall
    #   stops at 1/2, so 51 levels read 1 and 50 read 0: AP = 51/101 = 0.504950...
    # mAP over the ten thresholds: (4 * 253/303 + 6 * 51/101) / 10 = 1930/3030 = 0.636963...
    # AR100: recall 1 at four thresholds, 1/2 at six: (4 + 3) / 10 = 0.7.
    metrics = coco_detection_metrics(TWO_BOXES, THREE_DETECTIONS, ["thing"])
    assert metrics["mAP50"] == pytest.approx(253 / 303, abs=1e-9)
    assert metrics["mAP75"] == pytest.approx(51 / 101, abs=1e-9)
    assert metrics["mAP"] == pytest.approx(1930 / 3030, abs=1e-9)
    assert metrics["AR100"] == pytest.approx(0.7, abs=1e-9)
    assert metrics["per_class_AP50"] == pytest.approx({"thing": 253 / 303})
    # All boxes are small, so there is nothing medium or large to score.
    assert metrics["mAP_small"] == pytest.approx(metrics["mAP"])
    assert math.isnan(metrics["mAP_medium"]) and math.isnan(metrics["mAP_large"])


def test_false_positives_on_an_image_without_objects_lower_precision():
    ground_truth = [([[0, 0, 40, 40]], [0]), (np.zeros((0, 4)), [])]
    hit = ([[0, 0, 40, 40]], [0.8], [0])

    above = coco_detection_metrics(ground_truth, [hit, ([[5, 5, 30, 30]], [0.9], [0])], ["a"])
    # Ranked FP (0.9) then TP (0.8): precision 0 then 1/2 at recall 0 then 1; the envelope
    # reads 1/2 at every recall level.
    assert above["mAP50"] == pytest.approx(0.5) and above["mAP"] == pytest.approx(0.5)

    below = coco_detection_metrics(ground_truth, [hit, ([[5, 5, 30, 30]], [0.1], [0])], ["a"])
    # A FP ranked after full recall changes no point of the envelope.
    assert below["mAP"] == pytest.approx(1.0)
    assert above["detections"] == below["detections"] == 2 and above["images"] == 2


def test_per_class_keys_are_class_names_and_absent_classes_are_nan():
    ground_truth = [([[0, 0, 50, 50], [60, 60, 100, 100]], [0, 1])]
    detections = [([[0, 0, 50, 50], [0, 60, 40, 100], [1, 1, 30, 30]], [0.9, 0.8, 0.7],
                   [0, 1, 2])]
    metrics = coco_detection_metrics(ground_truth, detections, CLASSES)
    assert list(metrics["per_class_AP"]) == CLASSES == list(metrics["per_class_AP50"])
    assert metrics["per_class_AP"]["cat"] == pytest.approx(1.0)
    assert metrics["per_class_AP"]["dog"] == 0.0  # its one detection misses (IoU 0)
    assert math.isnan(metrics["per_class_AP"]["bird"])  # no bird in the ground truth
    # mAP averages the classes present in the ground truth only.
    assert metrics["mAP"] == pytest.approx(0.5)


def test_no_detections_score_zero():
    metrics = coco_detection_metrics(TWO_BOXES, [(np.zeros((0, 4)), [], [])], ["thing"])
    assert metrics["mAP"] == 0.0 and metrics["detections"] == 0


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="1 images of ground truth but 2"):
        coco_detection_metrics(TWO_BOXES, THREE_DETECTIONS * 2, ["thing"])
    with pytest.raises(ValueError, match="outside"):
        coco_detection_metrics(TWO_BOXES, [([[0, 0, 1, 1]], [0.5], [-1])], ["thing"])
    with pytest.raises(ValueError, match="xyxy"):
        coco_detection_metrics([([[10, 0, 0, 10]], [0])], THREE_DETECTIONS, ["thing"])


def test_files_give_the_same_figures(tmp_path):
    annotations = {
        "images": [{"id": 7, "height": 20, "width": 40}],
        "categories": [{"id": 3, "name": "thing"}],
        "annotations": [{"id": 1, "image_id": 7, "category_id": 3, "bbox": [0, 0, 10, 10],
                         "area": 100, "iscrowd": 0},
                        {"id": 2, "image_id": 7, "category_id": 3, "bbox": [20, 0, 10, 10],
                         "area": 100, "iscrowd": 0}]}
    results = [{"image_id": 7, "category_id": 3, "bbox": bbox, "score": score}
               for bbox, score in (([0, 0, 10, 10], 0.9), ([5, 0, 10, 10], 0.8),
                                   ([20, 0, 15, 10], 0.7))]
    (tmp_path / "instances.json").write_text(json.dumps(annotations))
    (tmp_path / "results.json").write_text(json.dumps(results))
    from_files = coco_metrics_from_files(tmp_path / "instances.json", tmp_path / "results.json")
    in_memory = coco_detection_metrics(TWO_BOXES, THREE_DETECTIONS, ["thing"])
    for name in ("mAP", "mAP50", "mAP75", "AR100"):
        assert from_files[name] == pytest.approx(in_memory[name]), name
    assert from_files["per_class_AP"] == pytest.approx(in_memory["per_class_AP"])
    empty = coco_metrics_from_files(tmp_path / "instances.json", [])
    assert empty["mAP"] == 0.0 and empty["detections"] == 0


def test_contract_batches_become_per_image_lists():
    detections = {
        "boxes": np.array([[[0, 0, 10, 10], [5, 0, 15, 10], [20, 0, 35, 10]],
                           [[-1, -1, -1, -1]] * 3], np.float32),
        "confidence": np.array([[0.9, 0.8, 0.7], [-1, -1, -1]], np.float32),
        "classes": np.array([[0, 0, 0], [-1, -1, -1]], np.float32),
        "num_detections": np.array([3, 0], np.int32)}
    targets = {"boxes": np.array([[[0, 0, 10, 10], [20, 0, 30, 10]],
                                  [[-1, -1, -1, -1]] * 2], np.float32),
               "classes": np.array([[0, 0], [-1, -1]], np.float32)}
    predicted, truth = detections_to_lists(detections), targets_to_lists(targets)
    assert [len(p[0]) for p in predicted] == [3, 0] and [len(t[0]) for t in truth] == [2, 0]
    assert predicted[0][2].dtype == np.int64 and truth[0][1].tolist() == [0, 0]
    metrics = coco_detection_metrics(truth, predicted, ["thing"])
    assert metrics["mAP50"] == pytest.approx(253 / 303) and metrics["images"] == 2


def test_contract_batches_in_another_format_are_converted_to_xyxy():
    yxyx = {"boxes": np.array([[[0, 20, 10, 30]]], np.float32),
            "classes": np.array([[1]], np.float32)}
    (boxes, classes), = targets_to_lists(yxyx, bounding_box_format="yxyx")
    np.testing.assert_allclose(boxes, [[20, 0, 30, 10]])
    assert classes.tolist() == [1]


def test_missing_pycocotools_names_the_extra(monkeypatch):
    for module in ("pycocotools", "pycocotools.coco", "pycocotools.cocoeval"):
        monkeypatch.setitem(sys.modules, module, None)  # None makes `import` fail
    with pytest.raises(ImportError, match=r'pip install "kerasvision\[evaluation\]"'):
        coco_detection_metrics(TWO_BOXES, THREE_DETECTIONS, ["thing"])
