"""The single-shot detector: convolutional box and class predictors on several feature maps
(Liu et al., SSD: Single Shot MultiBox Detector, ECCV 2016, §2.1), one model for SSD300,
SSD512, DSSD and the shipped Fashion-scenes detector, which differ only in the feature maps
and default boxes they are given.

Parts, each usable alone (docs/detection.md): a feature extractor (a functional model from
pixels to a list of maps), default boxes (default_boxes.py), per-map 3×3 predictor
convolutions, the offset coder (box_coder.py, SSD's variances 0.1/0.2), the loss
(multibox_loss.py) and the post-processor (detection_post_processor.py). Inference decodes and
suppresses inside the graph, so `predict` and the SavedModel give final boxes.
"""

import numpy as np

import keras
from keras import ops

from kerasvision.models.detection.box_coder import BoxCoder
from kerasvision.models.detection.default_boxes import boxes_per_position, default_boxes
from kerasvision.models.detection.detection_post_processor import detection_dict
from kerasvision.models.detection.feature_extractor_model import FeatureExtractorModel
from kerasvision.models.detection.multibox_loss import MultiBoxLoss


@keras.saving.register_keras_serializable(package="kerasvision")
class SingleShotDetector(FeatureExtractorModel):
    """SSD-style detector on xyxy pixel boxes; see the module doc.

    Args:
        feature_extractor: a functional keras.Model, pixels (0–255, fixed H×W×C) in, a list of
            feature maps out (shallow to deep), each predicted from.
        num_classes: object classes (the class predictors add a background class, index 0).
        min_sizes, max_sizes, aspect_ratios, steps: the default boxes per map
            (default_boxes.py).
        max_detections: rows per image of the detection dict.
        iou_threshold, score_threshold: the post-processor's (SSD: 0.45 and 0.01).
        pre_nms_top_k: anchors kept per image before NMS (by best class score).
        negative_ratio: hard negatives per positive in the loss (3).
        head_kernel: side of the predictor convolutions (3 in SSD).
        clip_boxes: clip default boxes to the image (the Caffe release does).
    """

    bounding_box_format = "xyxy"

    def __init__(self, feature_extractor, num_classes, min_sizes, max_sizes, aspect_ratios,
                 steps, max_detections=100, iou_threshold=0.45, score_threshold=0.01,
                 pre_nms_top_k=400, negative_ratio=3.0, head_kernel=3, clip_boxes=True,
                 **kwargs):
        super().__init__(**kwargs)
        self.feature_extractor = feature_extractor
        self.image_shape = tuple(int(d) for d in feature_extractor.input_shape[1:])
        self.num_classes = int(num_classes)
        self.min_sizes = [float(s) for s in min_sizes]
        self.max_sizes = [float(s) for s in max_sizes]
        self.aspect_ratios = [[float(r) for r in each] for each in aspect_ratios]
        self.steps = [float(s) for s in steps]
        self.max_detections = int(max_detections)
        self.iou_threshold = float(iou_threshold)
        self.score_threshold = float(score_threshold)
        self.pre_nms_top_k = int(pre_nms_top_k)
        self.negative_ratio = float(negative_ratio)
        self.head_kernel = int(head_kernel)
        self.clip_boxes = bool(clip_boxes)

        outputs = feature_extractor.outputs
        self.feature_sizes = [tuple(int(d) for d in out.shape[1:3]) for out in outputs]
        self.anchors = default_boxes(self.feature_sizes, self.min_sizes, self.max_sizes,
                                     self.aspect_ratios, self.steps, self.image_shape[:2],
                                     clip=self.clip_boxes)
        self.boxes_per_position = [boxes_per_position(r) for r in self.aspect_ratios]
        self.class_heads = [keras.layers.Conv2D(k * (self.num_classes + 1), self.head_kernel,
                                                padding="same", name=f"class_head_{i}")
                            for i, k in enumerate(self.boxes_per_position)]
        self.box_heads = [keras.layers.Conv2D(k * 4, self.head_kernel, padding="same",
                                              name=f"box_head_{i}")
                          for i, k in enumerate(self.boxes_per_position)]
        self.coder = BoxCoder()
        self.multibox_loss = MultiBoxLoss(self.anchors, self.num_classes, self.coder,
                                          negative_ratio=self.negative_ratio)
        # Keras exports a subclassed model from the shapes of its first call: call it once.
        self(np.zeros((1, *self.image_shape), "float32"))

    @property
    def num_anchors(self):
        return len(self.anchors)

    def raw_outputs(self, images, training=False):
        """`{"box_deltas": (B, N, 4), "class_logits": (B, N, C + 1)}`, per default box."""
        maps = self.feature_extractor(images, training=training)
        maps = maps if isinstance(maps, (list, tuple)) else [maps]
        deltas, logits = [], []
        for x, class_head, box_head in zip(maps, self.class_heads, self.box_heads):
            deltas.append(ops.reshape(box_head(x), (ops.shape(x)[0], -1, 4)))
            logits.append(ops.reshape(class_head(x), (ops.shape(x)[0], -1, self.num_classes + 1)))
        return {"box_deltas": ops.concatenate(deltas, axis=1),
                "class_logits": ops.concatenate(logits, axis=1)}

    def call(self, images, training=None):
        raw = self.raw_outputs(images, training=training)
        return raw if training else self.detections(raw)

    def detections(self, raw):
        """Decoded, suppressed, -1-padded detections (the detection contract) from raw outputs."""
        boxes = self.coder.decode(ops.cast(raw["box_deltas"], "float32"),
                                  ops.convert_to_tensor(self.anchors))
        scores = ops.softmax(ops.cast(raw["class_logits"], "float32"), axis=-1)[..., 1:]
        return detection_dict(boxes, scores, self.max_detections, self.iou_threshold,
                              self.score_threshold, self.pre_nms_top_k)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """SSD's multibox loss on `y = {"boxes", "classes"}` (padded with -1).

        `y_pred` is the training-mode raw output; given decoded detections (as in `evaluate`)
        the raw outputs are recomputed from `x`. `sample_weight` is not supported.
        """
        if y_pred is None or "class_logits" not in y_pred:
            y_pred = self.raw_outputs(x)
        loss = self.multibox_loss(y["boxes"], y["classes"], y_pred["class_logits"],
                                  y_pred["box_deltas"])
        return loss + sum(self.losses) if self.losses else loss

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "feature_extractor": keras.saving.serialize_keras_object(self.feature_extractor),
                "num_classes": self.num_classes, "min_sizes": self.min_sizes,
                "max_sizes": self.max_sizes, "aspect_ratios": self.aspect_ratios,
                "steps": self.steps, "max_detections": self.max_detections,
                "iou_threshold": self.iou_threshold, "score_threshold": self.score_threshold,
                "pre_nms_top_k": self.pre_nms_top_k, "negative_ratio": self.negative_ratio,
                "head_kernel": self.head_kernel, "clip_boxes": self.clip_boxes}
