"""The contract of object detectors: keras-cv's detector contract.

A detector is a keras.Model with three attributes:

- `bounding_box_format`: keras-cv's name of the box format of its targets and predictions
  ("xyxy", "yxyx", "xywh", "center_xywh", "rel_xyxy", ...; see
  `kerasvision.models.detection.keras_cv_adapter`);
- `num_classes`: the number of object classes (no background class);
- `image_shape`: `(H, W, C)` of its input images (None for a free dimension).

Training: `fit(images, {"boxes": (B, M, 4) float32, "classes": (B, M) float32})`, rows padded
with -1 where an image has fewer than M objects. The model computes its own loss (overriding
`compute_loss`, as keras-cv's RetinaNet and YOLOV8 do, or `train_step`), so `compile` needs
only an optimizer; its training-mode outputs (raw per-anchor box deltas and class logits) are
its own business.

Forward, `predict` and the SavedModel export (`call(training=False)`): the decoded detections
after non-max suppression, inside the graph, as

    {"boxes": (B, K, 4) float32, "confidence": (B, K) float32,
     "classes": (B, K) float32, "num_detections": (B,) integer}

with the first `num_detections[i]` rows of image i its detections, best first, and the other
rows -1 (keras-cv's `mask_invalid_detections` convention).
"""

import numpy as np

from kerasvision.models.contracts.model_contract import ModelContract, concrete_shape

DETECTION_KEYS = ("boxes", "classes", "confidence", "num_detections")
# Rows of targets per image: at least one box and at least one -1 padding row in each.
TARGET_ROWS = 4


def detector_image_shape(model, fill=48):
    """The detector's `(H, W, C)` input shape, free dimensions set to `fill`."""
    return concrete_shape(model.image_shape, fill=fill)


def random_boxes(rng, count, image_shape, bounding_box_format):
    """`count` valid random boxes `(count, 4)` inside an image, in `bounding_box_format`.

    Sides are 1/8 to 1/2 of the image's, so that a box overlaps an anchor of a small detector.
    """
    from kerasvision.models.detection.keras_cv_adapter import convert_box_format

    height, width = image_shape[:2]
    sides = rng.uniform(0.125, 0.5, size=(count, 2)) * (height, width)
    corners = rng.uniform(0.0, 1.0, size=(count, 2)) * ((height, width) - sides)
    y1, x1 = corners[:, 0], corners[:, 1]
    xyxy = np.stack([x1, y1, x1 + sides[:, 1], y1 + sides[:, 0]], axis=-1).astype("float32")
    return convert_box_format(xyxy, "xyxy", bounding_box_format, image_shape=image_shape)


def check_detections(detections, batch_size, num_classes, bounding_box_format, image_shape):
    """Assert that `detections` is a decoded, padded detection dict (see the module doc).

    Args:
        detections: the prediction, a dict of arrays.
        batch_size: number of images it was predicted from.
        num_classes: number of object classes.
        bounding_box_format: keras-cv name of the boxes' format.
        image_shape: `(H, W[, C])` of the images (relative formats need it).
    """
    from kerasvision.models.detection.keras_cv_adapter import convert_box_format

    assert isinstance(detections, dict), f"detections must be a dict, got {type(detections)}"
    assert sorted(detections) == sorted(DETECTION_KEYS), f"keys {sorted(detections)}"
    boxes, confidence, classes, count = (np.asarray(detections[k]) for k in
                                         ("boxes", "confidence", "classes", "num_detections"))
    assert boxes.ndim == 3 and boxes.shape[0] == batch_size and boxes.shape[2] == 4, \
        f"boxes of shape {boxes.shape}, want ({batch_size}, K, 4)"
    rows = boxes.shape[1]
    for name, array in (("confidence", confidence), ("classes", classes)):
        assert array.shape == (batch_size, rows), f"{name} of shape {array.shape}"
        assert array.dtype == np.float32, f"{name} dtype {array.dtype}"
    assert boxes.dtype == np.float32, f"boxes dtype {boxes.dtype}"
    assert count.shape == (batch_size,) and np.issubdtype(count.dtype, np.integer), \
        f"num_detections of shape {count.shape}, dtype {count.dtype}"
    assert np.all((count >= 0) & (count <= rows)), f"num_detections {count} outside [0, {rows}]"
    for i, n in enumerate(count):
        assert np.all(boxes[i, n:] == -1) and np.all(classes[i, n:] == -1) \
            and np.all(confidence[i, n:] == -1), f"image {i}: rows after {n} are not -1 padding"
        valid_boxes, valid_classes, valid_confidence = boxes[i, :n], classes[i, :n], \
            confidence[i, :n]
        assert np.all(np.isfinite(valid_boxes)), f"image {i}: non-finite boxes"
        assert np.all((valid_classes >= 0) & (valid_classes < num_classes)
                      & (valid_classes == np.round(valid_classes))), \
            f"image {i}: classes {valid_classes} are not class indices below {num_classes}"
        assert np.all((valid_confidence >= 0) & (valid_confidence <= 1)), \
            f"image {i}: confidence outside [0, 1]"
        assert np.all(np.diff(valid_confidence) <= 0), f"image {i}: detections not best first"
        if n:
            xyxy = convert_box_format(valid_boxes, bounding_box_format, "xyxy",
                                      image_shape=image_shape)
            assert np.all(xyxy[:, 0] <= xyxy[:, 2]) and np.all(xyxy[:, 1] <= xyxy[:, 3]), \
                f"image {i}: boxes with negative sides"


class DetectionContract(ModelContract):
    """keras-cv's detector contract (module doc): dict targets, own loss, decoded predictions."""

    def example_inputs(self, model, batch_size, rng):
        shape = detector_image_shape(model)
        return rng.uniform(0.0, 1.0, size=(batch_size, *shape)).astype("float32")

    def example_targets(self, model, batch_size, rng):
        """Random valid boxes in the model's format and classes, some rows -1 padding."""
        shape = detector_image_shape(model)
        boxes = np.full((batch_size, TARGET_ROWS, 4), -1.0, "float32")
        classes = np.full((batch_size, TARGET_ROWS), -1.0, "float32")
        for i in range(batch_size):
            n = int(rng.integers(1, TARGET_ROWS))
            boxes[i, :n] = random_boxes(rng, n, shape, model.bounding_box_format)
            classes[i, :n] = rng.integers(0, model.num_classes, size=n)
        return {"boxes": boxes, "classes": classes}

    def compile(self, model):
        """An optimizer only: a detector computes its own loss."""
        import keras

        if model.compiled:
            return
        model.compile(optimizer=keras.optimizers.SGD(0.01))

    def check_prediction(self, model, x, outputs):
        """The decoded detection dict (module doc) for the batch `x`."""
        check_detections(outputs, len(x), model.num_classes, model.bounding_box_format,
                         image_shape=np.shape(x)[1:])
