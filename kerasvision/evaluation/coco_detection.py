"""COCO's detection metrics, computed by pycocotools (the reference implementation).

The metrics are those of the COCO detection challenge (Lin et al., "Microsoft COCO: Common
Objects in Context", ECCV 2014; the evaluation is defined at cocodataset.org/#detection-eval):
average precision over the IoU thresholds 0.50:0.05:0.95, each AP being the mean of the
precision envelope sampled at the 101 recall levels 0, 0.01, ..., 1; AP at IoU 0.50 (the
PASCAL VOC threshold) and 0.75; AP by object area (small < 32², medium < 96², large); recall
with at most 100 detections per image. Running pycocotools itself rather than a
reimplementation keeps the figures comparable with published ones.

pycocotools is an optional dependency (`pip install "kerasvision[evaluation]"`), imported
inside the functions. Its progress prints are silenced.

Boxes here are "xyxy" pixels with exclusive maxima: a box (x0, y0, x1, y1) is x1 - x0 wide,
which is COCO's [x, y, w, h] with w = x1 - x0. Class ids are 0-based; COCO's category ids
are made class id + 1 internally, and image and annotation ids start at 1 too, because
pycocotools' matcher treats id 0 as "unmatched".

Summary figures pycocotools reports as -1 (nothing to evaluate, such as `mAP_large` when no
ground-truth box is large) are returned as NaN. Per-class APs of classes absent from the
ground truth are NaN as well (kept, so that every class name is a key), and these classes
do not enter `mAP`.
"""

import contextlib
import io
import json
import math

import numpy as np

INSTALL_HINT = 'COCO evaluation needs pycocotools: pip install "kerasvision[evaluation]"'

# pycocotools' stats vector, in the order `COCOeval.summarize` fills it.
STAT_NAMES = ("mAP", "mAP50", "mAP75", "mAP_small", "mAP_medium", "mAP_large",
              "AR1", "AR10", "AR100", "AR_small", "AR_medium", "AR_large")
REPORTED_STATS = ("mAP", "mAP50", "mAP75", "mAP_small", "mAP_medium", "mAP_large", "AR100")


def coco_detection_metrics(ground_truth, detections, class_names, image_sizes=None):
    """COCO detection metrics of `detections` against `ground_truth`.

    Args:
        ground_truth: one `(boxes (N, 4) xyxy, classes (N,) int)` per image.
        detections: one `(boxes (D, 4) xyxy, scores (D,), classes (D,))` per image, in the
            same image order.
        class_names: name of each class id, 0-based.
        image_sizes: optional `(height, width)` per image, recorded in the COCO image
            entries (pycocotools' bbox evaluation does not need them).

    Returns:
        dict with `mAP` (AP@[.5:.95]), `mAP50`, `mAP75`, `mAP_small`, `mAP_medium`,
        `mAP_large`, `AR100`, `per_class_AP` {name: AP@[.5:.95]}, `per_class_AP50`
        {name: AP@.5}, `images` and `detections` (counts). NaN where there is nothing to
        evaluate (module doc).
    """
    if len(ground_truth) != len(detections):
        raise ValueError(f"{len(ground_truth)} images of ground truth but "
                         f"{len(detections)} of detections")
    if image_sizes is not None and len(image_sizes) != len(ground_truth):
        raise ValueError(f"{len(image_sizes)} image sizes for {len(ground_truth)} images")
    images = [{"id": i + 1} for i in range(len(ground_truth))]
    if image_sizes is not None:
        for image, (height, width) in zip(images, image_sizes):
            image.update(height=int(height), width=int(width))
    categories = [{"id": k + 1, "name": str(name)} for k, name in enumerate(class_names)]

    gt_annotations = []
    for index, (boxes, classes) in enumerate(ground_truth):
        boxes, classes = _boxes(boxes), np.asarray(classes, np.int64).reshape(-1)
        _check_rows(index, boxes, classes=classes)
        _check_class_ids(classes, len(class_names))
        for box, class_id in zip(boxes, classes):
            bbox = _coco_bbox(box)
            gt_annotations.append({"id": len(gt_annotations) + 1, "image_id": index + 1,
                                   "category_id": int(class_id) + 1, "bbox": bbox,
                                   "area": bbox[2] * bbox[3], "iscrowd": 0})

    dt_annotations = []
    for index, (boxes, scores, classes) in enumerate(detections):
        boxes = _boxes(boxes)
        scores = np.asarray(scores, np.float64).reshape(-1)
        classes = np.asarray(classes, np.int64).reshape(-1)
        _check_rows(index, boxes, scores=scores, classes=classes)
        _check_class_ids(classes, len(class_names))
        for box, score, class_id in zip(boxes, scores, classes):
            bbox = _coco_bbox(box)
            dt_annotations.append({"id": len(dt_annotations) + 1, "image_id": index + 1,
                                   "category_id": int(class_id) + 1, "bbox": bbox,
                                   "area": bbox[2] * bbox[3], "iscrowd": 0,
                                   "score": float(score)})

    coco_gt = _coco({"images": images, "categories": categories,
                     "annotations": gt_annotations})
    coco_dt = _coco({"images": images, "categories": categories,
                     "annotations": dt_annotations})
    return _evaluate(coco_gt, coco_dt)


def coco_metrics_from_files(annotations_json, detections):
    """COCO detection metrics from a COCO annotation file and COCO-format results.

    Args:
        annotations_json: path of a COCO instances file ("images", "annotations",
            "categories"); class names are its categories' names.
        detections: path of a COCO results json, or the list it holds: dicts with
            `image_id`, `category_id`, `bbox` [x, y, w, h] and `score`.

    Returns:
        the dict of `coco_detection_metrics`.
    """
    COCO, _ = _pycocotools()
    with _quiet():
        coco_gt = COCO(str(annotations_json))
    if not isinstance(detections, list):
        with open(detections, encoding="utf-8") as f:
            detections = json.load(f)
    if detections:
        with _quiet():
            coco_dt = coco_gt.loadRes(detections)
    else:
        # loadRes fails on an empty list (it reads the first entry to guess the type).
        coco_dt = _coco({"images": coco_gt.dataset["images"],
                         "categories": coco_gt.dataset["categories"], "annotations": []})
    return _evaluate(coco_gt, coco_dt)


def _evaluate(coco_gt, coco_dt):
    _, COCOeval = _pycocotools()
    evaluator = COCOeval(coco_gt, coco_dt, iouType="bbox")
    with _quiet():
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    stats = dict(zip(STAT_NAMES, (float(s) for s in evaluator.stats)))
    metrics = {name: _nan_if_missing(stats[name]) for name in REPORTED_STATS}

    # precision: [IoU threshold T, recall level R, category K, area range A, maxDets M];
    # area range 0 is "all" and maxDets -1 is 100, the setting of the summary's AP.
    precision = evaluator.eval["precision"][:, :, :, 0, -1]
    names = [coco_gt.cats[cat_id]["name"] for cat_id in evaluator.params.catIds]
    metrics["per_class_AP"] = {name: _mean_present(precision[:, :, k])
                               for k, name in enumerate(names)}
    metrics["per_class_AP50"] = {name: _mean_present(precision[0, :, k])
                                 for k, name in enumerate(names)}
    metrics["images"] = len(coco_gt.getImgIds())
    metrics["detections"] = len(coco_dt.getAnnIds())
    return metrics


def _mean_present(values):
    # pycocotools marks "no ground truth for this class" with -1.
    present = values[values > -1]
    return float(np.mean(present)) if present.size else math.nan


def _nan_if_missing(value):
    return math.nan if value == -1 else value


def _coco(dataset):
    COCO, _ = _pycocotools()
    coco = COCO()
    coco.dataset = dataset
    with _quiet():
        coco.createIndex()
    return coco


def _coco_bbox(box):
    x0, y0, x1, y1 = (float(v) for v in box)
    return [x0, y0, x1 - x0, y1 - y0]


def _boxes(boxes):
    return np.asarray(boxes, np.float64).reshape(-1, 4)


def _check_rows(index, boxes, scores=None, classes=None):
    for name, values in (("scores", scores), ("classes", classes)):
        if values is not None and len(values) != len(boxes):
            raise ValueError(f"image {index}: {len(boxes)} boxes but "
                             f"{len(values)} {name}")
    if np.any(boxes[:, 2:] < boxes[:, :2]):
        raise ValueError(f"image {index}: boxes with x1 < x0 or y1 < y0; "
                         "boxes must be xyxy")


def _check_class_ids(classes, num_classes):
    if classes.size and (classes.min() < 0 or classes.max() >= num_classes):
        raise ValueError(f"class ids {sorted(set(classes.tolist()))} outside "
                         f"[0, {num_classes}) (padding rows must be removed first)")


@contextlib.contextmanager
def _quiet():
    # pycocotools reports progress and the summary table with print().
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def _pycocotools():
    try:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    return COCO, COCOeval
