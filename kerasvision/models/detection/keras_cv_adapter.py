"""The one module through which kerasvision uses keras-cv (box formats, IoU, NMS, anchors).

Only keras-cv's public API is used here (`keras_cv.bounding_box`, `keras_cv.layers`),
never names from its private `src` package, which may move in any release
(tests/test_import_layers.py checks that the package never mentions them). Keeping every
call here means that the day keras-cv's API changes, this file is the only one that
changes. keras_cv is imported inside each function because importing it takes seconds, and
`kerasvision --help` must stay instant.

Box regression deltas are not here: keras-cv 0.9.0 keeps its anchor encoders private, so
the package has its own, `kerasvision.models.detection.box_coder.BoxCoder` (graph ops).

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


def _image_shape(image_shape):
    # keras-cv wants (height, width, channels); callers think in (height, width).
    if image_shape is None:
        return None
    shape = tuple(int(d) for d in image_shape)
    return shape if len(shape) == 3 else shape + (3,)
