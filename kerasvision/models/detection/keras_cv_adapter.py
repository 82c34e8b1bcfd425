"""The one module through which kerasvision uses keras-cv (boxes, IoU, NMS, anchors).

keras-cv's API has moved between releases (0.9.0 keeps the anchor encoders private, as
`keras_cv.src.bounding_box._encode_box_to_deltas`); keeping every call here means that the
day it breaks, this file is the only one that changes. keras_cv is imported inside each
function because importing it takes seconds, and `kerasvision --help` must stay instant.

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


def encode_boxes_to_deltas(anchors, boxes, anchor_format="xyxy", box_format="xyxy",
                           variance=None, image_shape=None):
    """Regression targets (dy, dx, log dh, log dw) of `boxes` against `anchors`
    (Girshick et al., Fast R-CNN 2015, eq. 6-9 of the R-CNN appendix), each divided by
    `variance` when given (SSD's "variance" trick)."""
    from keras_cv.src.bounding_box import _encode_box_to_deltas

    deltas = _encode_box_to_deltas(
        np.asarray(anchors, np.float32), np.asarray(boxes, np.float32),
        anchor_format=anchor_format, box_format=box_format,
        variance=None if variance is None else list(variance),
        image_shape=_image_shape(image_shape))
    return np.asarray(deltas)


def decode_deltas_to_boxes(anchors, deltas, anchor_format="xyxy", box_format="xyxy",
                           variance=None, image_shape=None):
    """Boxes in `box_format` from regression `deltas` against `anchors`; inverse of
    `encode_boxes_to_deltas`."""
    from keras_cv.src.bounding_box import _decode_deltas_to_boxes

    boxes = _decode_deltas_to_boxes(
        np.asarray(anchors, np.float32), np.asarray(deltas, np.float32),
        anchor_format=anchor_format, box_format=box_format,
        variance=None if variance is None else list(variance),
        image_shape=_image_shape(image_shape))
    return np.asarray(boxes)


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
