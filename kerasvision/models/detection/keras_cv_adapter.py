"""The one module through which kerasvision uses keras-cv (box formats, IoU, NMS, anchors).

Only keras-cv's public API is used here (`keras_cv.bounding_box`, `keras_cv.layers`),
never names from its private `src` package, which may move in any release
(tests/test_import_layers.py checks that the package never mentions them). Keeping every
call here means that the day keras-cv's API changes, this file is the only one that
changes. keras_cv is imported inside each function because importing it takes seconds, and
`kerasvision --help` must stay instant.

Box regression deltas are not here: keras-cv 0.9.0 keeps its anchor encoders private, so
the package has its own, `kerasvision.models.detection.box_coder.BoxCoder` (graph ops).

YOLOv8 (`yolo_v8_detector`, `yolo_v8_targets`, `yolo_v8_detections`) is here as a baseline
to measure the package's detectors against (benchmarks/detector_vs_yolov8.py), built from
constructor arguments with random weights: `from_preset` downloads, and nothing here may.

Box formats are keras-cv's names: "xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw",
"rel_xyxy", "rel_yxyx", "rel_xywh" (the relative ones need `image_shape`).
"""

import numpy as np


def convert_box_format(boxes, source, target, image_shape=None):
    """Boxes (..., 4) from format `source` to format `target`, as a float32 numpy array.

    Args:
        image_shape: (height, width[, channels]); needed when either format is relative.
    """
    from keras_cv import bounding_box

    converted = bounding_box.convert_format(
        np.asarray(boxes, np.float32), source=source, target=target,
        image_shape=_image_shape(image_shape))
    return np.asarray(converted)


def box_iou(boxes1, boxes2, bounding_box_format="xyxy", image_shape=None):
    """Pairwise intersection over union: (M, 4) and (N, 4) boxes -> (M, N) in [0, 1]."""
    from keras_cv import bounding_box

    boxes1 = np.asarray(boxes1, np.float32)
    boxes2 = np.asarray(boxes2, np.float32)
    if bounding_box.is_relative(bounding_box_format) and image_shape is not None:
        # compute_iou adds epsilon=1e-7 to the union; on relative areas (a 1-pixel box in a
        # 120x160 image is 5e-5) that skews IoU by ~0.2%, so measure in pixels instead.
        boxes1, boxes2 = (convert_box_format(b, bounding_box_format, "xyxy", image_shape)
                          for b in (boxes1, boxes2))
        bounding_box_format = "xyxy"
    iou = bounding_box.compute_iou(boxes1, boxes2, bounding_box_format=bounding_box_format,
                                   image_shape=_image_shape(image_shape))
    return np.asarray(iou)


def non_max_suppression(boxes, scores, iou_threshold=0.5, max_output=None,
                        score_threshold=float("-inf"), bounding_box_format="xyxy"):
    """Greedy NMS for one image and one class: indices of the kept boxes, best first.

    A box is dropped when its IoU with an already kept, higher-scoring box exceeds
    `iou_threshold` (Felzenszwalb et al. 2010's greedy rule, as in every detector since).
    tf.image's kernel is used rather than keras_cv.layers.NonMaxSuppression, which pads,
    batches and applies its own confidence threshold — more than one image needs.
    """
    import tensorflow as tf

    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    scores = np.asarray(scores, np.float32).reshape(-1)
    if len(boxes) != len(scores):
        raise ValueError(f"{len(boxes)} boxes but {len(scores)} scores")
    yxyx = convert_box_format(boxes, bounding_box_format, "yxyx") if len(boxes) else boxes
    kept = tf.image.non_max_suppression(
        yxyx, scores, max_output_size=len(boxes) if max_output is None else max_output,
        iou_threshold=iou_threshold, score_threshold=score_threshold)
    return kept.numpy().astype(np.int64)


def anchor_boxes(image_shape, sizes, strides, scales=(1.0,), aspect_ratios=(1.0,),
                 bounding_box_format="xyxy", clip_boxes=False):
    """Anchors for every level of a feature pyramid, concatenated: (N, 4) float32.

    Level i has anchors of side `sizes[i]` times each scale, with height size/sqrt(r) and
    width size*sqrt(r) for each aspect ratio r (width/height, keras-cv's convention),
    centred on a grid of step `strides[i]`.

    Args:
        image_shape: (height, width[, channels]) of the input image.
        sizes: anchor side per pyramid level.
        strides: grid step per pyramid level (same length as `sizes`).
    """
    import keras_cv

    if len(sizes) != len(strides):
        raise ValueError(f"{len(sizes)} sizes but {len(strides)} strides; one of each per level")
    generator = keras_cv.layers.AnchorGenerator(
        bounding_box_format=bounding_box_format, sizes=list(sizes), scales=list(scales),
        aspect_ratios=list(aspect_ratios), strides=list(strides), clip_boxes=clip_boxes)
    levels = generator(image_shape=_image_shape(image_shape))
    return np.concatenate([np.asarray(levels[key]) for key in sorted(levels)], axis=0)


# The "yolo_v8_xs_backbone" preset's arguments (its config lives on Kaggle, not in the wheel):
# they give exactly the size keras-cv 0.9.0 publishes for it, "params": 1277680, which
# tests/models/detection/test_keras_cv_adapter_yolov8.py checks.
YOLO_V8_XS_CHANNELS = (32, 64, 128, 256)
YOLO_V8_XS_DEPTH = (1, 2, 2, 1)


def yolo_v8_detector(num_classes, input_shape=(128, 128, 3),
                     stackwise_channels=YOLO_V8_XS_CHANNELS, stackwise_depth=YOLO_V8_XS_DEPTH,
                     fpn_depth=1, activation="swish", confidence_threshold=0.2,
                     iou_threshold=0.7, max_detections=100):
    """A randomly initialised `keras_cv.models.YOLOV8Detector` over "xyxy" pixel boxes.

    The defaults are the "xs" backbone with the shallowest path-aggregation FPN: 3,434,318
    parameters for 10 classes at 128x128, the size of the package's `ssd` on resnet18 x 0.5.
    The backbone rescales pixels 0-255 itself (`include_rescaling`). Detections come from
    keras-cv's NonMaxSuppression, which is class-agnostic (one class per box, the best);
    the thresholds default to keras-cv's own (0.2 confidence, 0.7 IoU).
    """
    import keras_cv

    backbone = keras_cv.models.YOLOV8Backbone(
        stackwise_channels=list(stackwise_channels), stackwise_depth=list(stackwise_depth),
        include_rescaling=True, activation=activation, input_shape=tuple(input_shape))
    decoder = keras_cv.layers.NonMaxSuppression(
        bounding_box_format="xyxy", from_logits=False, iou_threshold=iou_threshold,
        confidence_threshold=confidence_threshold, max_detections=max_detections)
    return keras_cv.models.YOLOV8Detector(
        backbone=backbone, num_classes=num_classes, bounding_box_format="xyxy",
        fpn_depth=fpn_depth, prediction_decoder=decoder)


def set_yolo_v8_thresholds(model, confidence_threshold, iou_threshold, max_detections=100):
    """Replace a YOLOV8Detector's NMS thresholds (its weights are untouched)."""
    import keras_cv

    model.prediction_decoder = keras_cv.layers.NonMaxSuppression(
        bounding_box_format=model.bounding_box_format, from_logits=False,
        iou_threshold=iou_threshold, confidence_threshold=confidence_threshold,
        max_detections=max_detections)


def non_max_suppression_layer(bounding_box_format="xyxy", iou_threshold=0.5,
                              confidence_threshold=0.01, max_detections=100):
    """keras-cv's batched `NonMaxSuppression` layer (what YOLOV8Detector decodes with).

    Called on `(box_prediction (B, N, 4), class_prediction (B, N, C))` with probabilities
    (`from_logits=False`); class-agnostic: each box keeps its best class, and boxes of
    different classes suppress each other. Returns keras-cv's padded dict ("boxes",
    "confidence", "classes", "num_detections"). benchmarks/custom_layers_vs_reference.py
    times the package's per-class NMS against it.
    """
    import keras_cv

    return keras_cv.layers.NonMaxSuppression(
        bounding_box_format=bounding_box_format, from_logits=False,
        iou_threshold=iou_threshold, confidence_threshold=confidence_threshold,
        max_detections=max_detections)


def compile_yolo_v8(model, optimizer):
    """Compile with keras-cv's own losses: CIoU for boxes, binary cross-entropy for classes
    (and its default weights, 7.5 and 0.5)."""
    model.compile(optimizer=optimizer, box_loss="ciou",
                  classification_loss="binary_crossentropy")
    return model


def yolo_v8_targets(targets):
    """The package's padded targets -> what YOLOV8Detector.fit reads.

    keras-cv takes dense `{"boxes": (B, M, 4), "classes": (B, M)}` with -1 padding (rows
    whose coordinates are all > -1 are boxes), which is scenes_dataset's layout already;
    other keys (the segmentation masks) are dropped, and classes become float32, the dtype
    of keras-cv's examples and label encoder.
    """
    import tensorflow as tf

    return {"boxes": tf.cast(targets["boxes"], tf.float32),
            "classes": tf.cast(targets["classes"], tf.float32)}


def yolo_v8_batch(images, targets, image_shape):
    """A tf.data batch `(images, targets)` made ready for YOLOV8Detector.fit.

    Besides `yolo_v8_targets`, the images get a static (height, width, channels): keras-cv
    lays its anchor grid out from `images.shape` when the graph is traced, and augmented
    batches (their shape unknown until run) would give it an empty grid.
    """
    import tensorflow as tf

    images = tf.ensure_shape(images, (None, *_image_shape(image_shape)))
    return images, yolo_v8_targets(targets)


def yolo_v8_detections(decoded, image_shape=None):
    """keras-cv's decoded dict (-1 padded) -> per image `(boxes xyxy, scores, classes)`.

    Rows past `num_detections` are padding. With `image_shape` (height, width), boxes are
    clipped to the image, as the package's detectors clip theirs.
    """
    boxes = np.asarray(decoded["boxes"], np.float32)
    scores = np.asarray(decoded["confidence"], np.float32)
    classes = np.asarray(decoded["classes"]).astype(np.int64)
    counts = np.asarray(decoded["num_detections"]).astype(np.int64).reshape(-1)
    answers = []
    for i, count in enumerate(counts):
        kept = boxes[i, :count]
        if image_shape is not None:
            height, width = image_shape[:2]
            kept = np.clip(kept, 0.0, [width, height, width, height]).astype(np.float32)
        answers.append((kept, scores[i, :count], classes[i, :count]))
    return answers


def _image_shape(image_shape):
    # keras-cv wants (height, width, channels); callers think in (height, width).
    if image_shape is None:
        return None
    shape = tuple(int(d) for d in image_shape)
    return shape if len(shape) == 3 else shape + (3,)


# ResNet-18 V2's layout (keras-cv's "resnet18_v2" preset, whose config is a download):
# basic blocks, two per stage; 11,183,488 parameters without a head at 3 channels.
RESNET18_V2_FILTERS = (64, 128, 256, 512)
RESNET18_V2_BLOCKS = (2, 2, 2, 2)
RESNET18_V2_STRIDES = (1, 2, 2, 2)


def deeplab_v3_plus_segmenter(num_classes, input_shape=(128, 128, 3)):
    """A randomly initialised `keras_cv.models.DeepLabV3Plus` on a ResNet-18 V2 backbone.

    The baseline the segmentation benchmark measures the package's segmenters against
    (benchmarks/segmenter_comparison.py): atrous spatial pyramid pooling (rates 6, 12, 18)
    on the backbone's P5, a decoder joining P2, per-pixel softmax scores at input
    resolution. The backbone rescales pixels 0-255 itself (`include_rescaling`). Built from
    constructor arguments (the preset's layout above), as `from_preset` downloads. (Its stem
    is fixed at 64 filters, so the backbone cannot be narrowed.)
    """
    import keras_cv

    backbone = keras_cv.models.ResNetV2Backbone(
        stackwise_filters=list(RESNET18_V2_FILTERS),
        stackwise_blocks=list(RESNET18_V2_BLOCKS), stackwise_strides=list(RESNET18_V2_STRIDES),
        block_type="basic_block", include_rescaling=True, input_shape=tuple(input_shape))
    return keras_cv.models.DeepLabV3Plus(backbone=backbone, num_classes=num_classes)
