"""A tiny one-level, one-anchor-per-position detector: the contract's detection example.

Three stride-2 convolutions make an (H/8, W/8) feature map; at each position a 1x1 head gives
class logits (sigmoid per class, no background class) and one box's deltas against a square
anchor. It is assembled from the package's detection parts (AnchorGenerator, BoxCoder,
BoxMatcher in kerasvision/models/detection/). Training matches anchors to boxes by IoU and
minimises binary cross-entropy plus Huber loss on the deltas of matched anchors; inference decodes the deltas
and runs per-class non-max suppression inside the graph, so `predict` and the SavedModel
export return the detection dict of `kerasvision.models.contracts.detection`.
"""

import numpy as np
import tensorflow as tf

import keras
from keras import ops

from kerasvision.models.detection.anchor_generator import AnchorGenerator
from kerasvision.models.detection.box_coder import BoxCoder
from kerasvision.models.detection.box_matcher import BoxMatcher

STRIDE = 8
# RetinaNet's thresholds: IoU above 0.5 matches, below 0.4 is background, between is ignored.
MATCHER = BoxMatcher(positive_iou=0.5, negative_iou=0.4, allow_low_quality=False)
CODER = BoxCoder()


@keras.saving.register_keras_serializable(package="ContractExamples")
class TinyDetector(keras.Model):
    """One-level detector on xyxy pixel boxes (a contract example, not a model of the canon).

    Args:
        image_shape: `(H, W, C)`, H and W multiples of 8.
        num_classes: object classes.
        filters: channels of the three stem convolutions.
        anchor_size: side of the square anchors, in pixels.
        max_detections: detections kept per image (K of the detection dict).
        iou_threshold: non-max suppression's overlap threshold.
        score_threshold: least confidence of a detection.
    """

    bounding_box_format = "xyxy"

    def __init__(self, image_shape=(48, 48, 3), num_classes=3, filters=8, anchor_size=16,
                 max_detections=10, iou_threshold=0.5, score_threshold=0.05, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.num_classes = int(num_classes)
        self.filters = int(filters)
        self.anchor_size = float(anchor_size)
        self.max_detections = int(max_detections)
        self.iou_threshold = float(iou_threshold)
        self.score_threshold = float(score_threshold)
        self.anchors = np.asarray(AnchorGenerator(
            sizes=(self.anchor_size,), aspect_ratios=(1.0,), strides=(STRIDE,)).anchors(
                self.image_shape[:2]))
        self.stem = [keras.layers.Conv2D(self.filters, 3, strides=2, padding="same",
                                         activation="relu", name=f"stem_conv{i}")
                     for i in range(3)]
        self.class_head = keras.layers.Conv2D(self.num_classes, 1, name="class_logits")
        self.box_head = keras.layers.Conv2D(4, 1, name="box_deltas")
        # Keras exports a subclassed model from the shapes of its first call: call it once.
        self(np.zeros((1, *self.image_shape), "float32"))

    def raw_outputs(self, images, training=False):
        """Per-anchor `{"box_deltas": (B, N, 4), "class_logits": (B, N, classes)}`."""
        x = images
        for conv in self.stem:
            x = conv(x)
        anchors = len(self.anchors)
        return {"box_deltas": ops.reshape(self.box_head(x), (-1, anchors, 4)),
                "class_logits": ops.reshape(self.class_head(x), (-1, anchors, self.num_classes))}

    def call(self, images, training=None):
        raw = self.raw_outputs(images, training=training)
        if training:
            return raw
        return self.detections(raw)

    def detections(self, raw):
        """Decoded, suppressed and -1-padded detections from raw outputs."""
        boxes = CODER.decode(raw["box_deltas"], ops.convert_to_tensor(self.anchors))
        scores = ops.sigmoid(raw["class_logits"])
        # The kernel reads boxes as yxyx, but IoU is symmetric in x and y and clip_boxes=False
        # returns the coordinates untouched, so xyxy boxes go through as they are.
        nms = tf.image.combined_non_max_suppression(
            boxes[:, :, None, :], scores, max_output_size_per_class=self.max_detections,
            max_total_size=self.max_detections, iou_threshold=self.iou_threshold,
            score_threshold=self.score_threshold, clip_boxes=False)
        valid = ops.arange(self.max_detections)[None, :] < nms.valid_detections[:, None]
        return {"boxes": ops.where(valid[..., None], nms.nmsed_boxes, -1.0),
                "confidence": ops.where(valid, nms.nmsed_scores, -1.0),
                "classes": ops.where(valid, nms.nmsed_classes, -1.0),
                "num_detections": nms.valid_detections}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Classification (over matched and background anchors) plus box loss (over matched).

        `y` is `{"boxes": (B, M, 4), "classes": (B, M)}`, -1 rows for padding; `y_pred` the
        training-mode raw outputs (recomputed from `x` when given decoded detections, as in
        `evaluate`). `sample_weight` is not supported.
        """
        if y_pred is None or "class_logits" not in y_pred:
            y_pred = self.raw_outputs(x)
        boxes = ops.convert_to_tensor(y["boxes"], "float32")
        classes = ops.convert_to_tensor(y["classes"], "float32")
        anchors = ops.convert_to_tensor(self.anchors)
        matched, labels = MATCHER(anchors, boxes, gt_mask=classes >= 0)
        index = ops.maximum(matched, 0)[..., None]  # -1 (no real box) only where negative
        matched_boxes = ops.take_along_axis(boxes, index, axis=1)
        matched_classes = ops.cast(ops.take_along_axis(classes, index[..., 0], axis=1), "int32")
        positive = ops.cast(labels == BoxMatcher.POSITIVE, "float32")
        negative = ops.cast(labels == BoxMatcher.NEGATIVE, "float32")
        class_targets = ops.one_hot(matched_classes, self.num_classes) * positive[..., None]
        cross_entropy = ops.binary_crossentropy(class_targets, y_pred["class_logits"],
                                                from_logits=True)
        counted = positive + negative
        # Means over the anchors each term is about (all counted ones; matched ones).
        class_loss = ops.sum(cross_entropy * counted[..., None]) / ops.maximum(
            ops.sum(counted) * self.num_classes, 1.0)
        error = ops.abs(CODER.encode(matched_boxes, anchors[None]) - y_pred["box_deltas"])
        huber = ops.where(error < 1.0, 0.5 * error ** 2, error - 0.5)
        box_loss = ops.sum(huber * positive[..., None]) / ops.maximum(ops.sum(positive), 1.0)
        return class_loss + box_loss + sum(self.losses)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "image_shape": self.image_shape, "num_classes": self.num_classes,
                "filters": self.filters, "anchor_size": self.anchor_size,
                "max_detections": self.max_detections, "iou_threshold": self.iou_threshold,
                "score_threshold": self.score_threshold}


def tiny_detector(image_shape=(48, 48, 3), num_classes=3, filters=8, anchor_size=16,
                  max_detections=10, name="tiny_detector"):
    """A one-level, one-anchor-per-position detector with in-graph decoding and NMS."""
    return TinyDetector(image_shape=image_shape, num_classes=num_classes, filters=filters,
                        anchor_size=anchor_size, max_detections=max_detections, name=name)
