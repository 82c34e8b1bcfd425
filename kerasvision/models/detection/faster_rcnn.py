"""Faster R-CNN (Ren, He, Girshick & Sun, "Faster R-CNN: Towards Real-Time Object Detection
with Region Proposal Networks", NIPS 2015 / TPAMI 2017) on VGG16.

One network (Fig. 2): VGG16 through conv5_3 (stride 16) computes the shared feature map; the
Region Proposal Network (region_proposal_network.py, §3.1) proposes boxes on it; each proposal
is RoI-pooled from the same map into the Fast R-CNN head (fast_rcnn_head.py). It trains end
to end in one `fit` by "approximate joint training" (§3.2): the loss is the sum of the RPN's
and the head's, and the proposals are treated as constants (no gradient through their
coordinates). Pixels 0–255 RGB in; the Caffe ImageNet preprocessing (BGR, mean subtraction)
runs inside the graph, so `weights="imagenet"` starts the base from keras.applications' VGG16
as the paper starts from ImageNet VGG16.

The image size is fixed when the model is built (RoI pooling needs a static feature map):
600 × 1000 by default, the paper's bound (shorter side 600, longer at most 1000, §3.3);
ImagePreprocessor's letterbox fits images into it. Training-mode `call` returns the raw
outputs (feature map, RPN logits and deltas, proposals); `compute_loss` samples RoIs against
the targets and runs the head, so `compile(optimizer)` alone trains it. Inference returns the
detection dict, decoded and suppressed in the graph, so the SavedModel gives final boxes.
"""

import numpy as np

import keras

from kerasvision.models.detection.fast_rcnn import vgg16_conv5_features
from kerasvision.models.detection.fast_rcnn_head import (
    FastRCNNHead,
    fast_rcnn_detections,
    fast_rcnn_loss,
    sample_rois,
)
from kerasvision.models.detection.feature_extractor_model import FeatureExtractorModel
from kerasvision.models.detection.region_proposal_network import (
    PAPER_ANCHOR_RATIOS,
    PAPER_ANCHOR_SIZES,
    RegionProposalHead,
    generate_proposals,
    rpn_anchors,
    rpn_loss,
    rpn_targets,
)
from kerasvision.registry import register_model

PAPER = ("Ren, He, Girshick & Sun, Faster R-CNN: Towards Real-Time Object Detection with "
         "Region Proposal Networks, NIPS 2015 / TPAMI 2017")


@keras.saving.register_keras_serializable(package="kerasvision")
class FasterRCNN(FeatureExtractorModel):
    """Faster R-CNN on xyxy pixel boxes; see the module doc.

    Args:
        feature_extractor: a functional keras.Model from pixels (fixed H×W×C) to one shared
            feature map.
        num_classes: object classes (the head adds background, index 0).
        feature_stride: the feature map's stride in pixels (16 for conv5_3).
        anchor_sizes, anchor_ratios: the RPN's anchors (128, 256, 512 × 0.5, 1, 2).
        rpn_channels: the RPN's 3×3 convolution width (default: the feature map's, 512).
        train_proposals, test_proposals: (pre-NMS, post-NMS) top-N of the proposals in
            training and at test ((12000, 2000) and (6000, 300), py-faster-rcnn's and §3.3).
        rpn_iou_threshold: NMS threshold of the proposals (0.7).
        min_proposal_size: least side of a proposal in pixels (0: keep all).
        rpn_batch_size, rpn_positive_fraction: the anchor sample (256, 0.5).
        rpn_positive_iou, rpn_negative_iou: anchor labelling thresholds (0.7, 0.3).
        ignore_cross_boundary: ignore anchors crossing the border in training (§3.3).
        roi_layer: "pool" (RoIPooling) or "align" (RoIAlign).
        pool_size, fc_units, dropout: the head's (7, 4096, 0.5).
        rois_per_image, foreground_fraction, foreground_iou, background_iou: the RoI sample
            (128 per image, 25%, ≥ 0.5, [0, 0.5): py-faster-rcnn's end-to-end settings).
        max_detections, iou_threshold, score_threshold: the detections (100, 0.3, 0.05).
        seed: seed of the anchor and RoI sampling.
    """

    bounding_box_format = "xyxy"

    def __init__(self, feature_extractor, num_classes, feature_stride=16,
                 anchor_sizes=PAPER_ANCHOR_SIZES, anchor_ratios=PAPER_ANCHOR_RATIOS,
                 rpn_channels=None, train_proposals=(12000, 2000), test_proposals=(6000, 300),
                 rpn_iou_threshold=0.7, min_proposal_size=0.0, rpn_batch_size=256,
                 rpn_positive_fraction=0.5, rpn_positive_iou=0.7, rpn_negative_iou=0.3,
                 ignore_cross_boundary=True, roi_layer="pool", pool_size=7, fc_units=4096,
                 dropout=0.5, rois_per_image=128, foreground_fraction=0.25,
                 foreground_iou=0.5, background_iou=(0.0, 0.5), max_detections=100,
                 iou_threshold=0.3, score_threshold=0.05, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.feature_extractor = feature_extractor
        self.image_shape = tuple(int(d) for d in feature_extractor.input_shape[1:])
        self.num_classes = int(num_classes)
        self.feature_stride = int(feature_stride)
        self.anchor_sizes = [float(s) for s in anchor_sizes]
        self.anchor_ratios = [float(r) for r in anchor_ratios]
        feature_shape = feature_extractor.output_shape
        self.rpn_channels = int(rpn_channels or feature_shape[-1])
        self.train_proposals = [int(n) for n in train_proposals]
        self.test_proposals = [int(n) for n in test_proposals]
        self.rpn_iou_threshold = float(rpn_iou_threshold)
        self.min_proposal_size = float(min_proposal_size)
        self.rpn_batch_size = int(rpn_batch_size)
        self.rpn_positive_fraction = float(rpn_positive_fraction)
        self.rpn_positive_iou = float(rpn_positive_iou)
        self.rpn_negative_iou = float(rpn_negative_iou)
        self.ignore_cross_boundary = bool(ignore_cross_boundary)
        self.rois_per_image = int(rois_per_image)
        self.foreground_fraction = float(foreground_fraction)
        self.foreground_iou = float(foreground_iou)
        self.background_iou = [float(b) for b in background_iou]
        self.max_detections = int(max_detections)
        self.iou_threshold = float(iou_threshold)
        self.score_threshold = float(score_threshold)
        self.seed = seed

        self.anchors = rpn_anchors(self.image_shape, feature_shape[1:3], self.anchor_sizes,
                                   self.anchor_ratios, self.feature_stride)
        self.rpn_head = RegionProposalHead(len(self.anchor_sizes) * len(self.anchor_ratios),
                                           self.rpn_channels, name="rpn")
        self.detection_head = FastRCNNHead(self.num_classes, pool_size, 1.0 / self.feature_stride,
                                           fc_units, dropout, roi_layer, name="fast_rcnn")
        self.seed_generator = keras.random.SeedGenerator(seed)
        # Keras exports a subclassed model from the shapes of its first call: call it once.
        self(np.zeros((1, *self.image_shape), "float32"))

    @property
    def num_anchors(self):
        return len(self.anchors)

    def raw_outputs(self, images, training=False):
        """`{"features", "rpn_objectness" (B, N, 2), "rpn_box_deltas" (B, N, 4),
        "proposals" (B, P, 4) xyxy, -1 padded}`, with training's or test's proposal counts."""
        features = self.feature_extractor(images, training=training)
        logits, deltas = self.rpn_head(features)
        pre_nms, post_nms = self.train_proposals if training else self.test_proposals
        proposals, _, _ = generate_proposals(self.anchors, logits, deltas, self.image_shape,
                                             pre_nms, post_nms, self.rpn_iou_threshold,
                                             self.min_proposal_size)
        return {"features": features, "rpn_objectness": logits, "rpn_box_deltas": deltas,
                "proposals": proposals}

    def call(self, images, training=None):
        raw = self.raw_outputs(images, training=bool(training))
        if training:
            return raw
        logits, deltas = self.detection_head([raw["features"], raw["proposals"]],
                                             training=False)
        return fast_rcnn_detections(raw["proposals"], logits, deltas, self.image_shape,
                                    self.max_detections, self.iou_threshold,
                                    self.score_threshold)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The RPN's loss plus the head's on `y = {"boxes", "classes"}` (padded with -1).

        `y_pred` is the training-mode raw output; given decoded detections (as in `evaluate`)
        the raw outputs are recomputed from `x`. `sample_weight` is not supported.
        """
        if y_pred is None or "proposals" not in y_pred:
            y_pred = self.raw_outputs(x)
        boxes = keras.ops.convert_to_tensor(y["boxes"], "float32")
        classes = keras.ops.convert_to_tensor(y["classes"], "float32")
        labels, box_targets = rpn_targets(self.anchors, boxes, classes >= 0, self.image_shape,
                                          self.rpn_positive_iou, self.rpn_negative_iou,
                                          self.ignore_cross_boundary)
        loss = rpn_loss(labels, box_targets, y_pred["rpn_objectness"], y_pred["rpn_box_deltas"],
                        self.rpn_batch_size, self.rpn_positive_fraction, self.seed_generator)
        rois, class_targets, roi_targets = sample_rois(
            y_pred["proposals"], boxes, classes, self.rois_per_image, self.foreground_fraction,
            self.foreground_iou, self.background_iou, self.seed_generator)
        logits, deltas = self.detection_head([y_pred["features"], rois], training=training)
        loss = loss + fast_rcnn_loss(class_targets, roi_targets, logits, deltas)
        return loss + sum(self.losses) if self.losses else loss

    def get_config(self):
        head = self.detection_head
        return {"name": self.name, "trainable": self.trainable,
                "feature_extractor": keras.saving.serialize_keras_object(self.feature_extractor),
                "num_classes": self.num_classes, "feature_stride": self.feature_stride,
                "anchor_sizes": self.anchor_sizes, "anchor_ratios": self.anchor_ratios,
                "rpn_channels": self.rpn_channels, "train_proposals": self.train_proposals,
                "test_proposals": self.test_proposals,
                "rpn_iou_threshold": self.rpn_iou_threshold,
                "min_proposal_size": self.min_proposal_size,
                "rpn_batch_size": self.rpn_batch_size,
                "rpn_positive_fraction": self.rpn_positive_fraction,
                "rpn_positive_iou": self.rpn_positive_iou,
                "rpn_negative_iou": self.rpn_negative_iou,
                "ignore_cross_boundary": self.ignore_cross_boundary,
                "roi_layer": head.roi_layer, "pool_size": head.pool_size,
                "fc_units": head.fc_units, "dropout": head.dropout,
                "rois_per_image": self.rois_per_image,
                "foreground_fraction": self.foreground_fraction,
                "foreground_iou": self.foreground_iou, "background_iou": self.background_iou,
                "max_detections": self.max_detections, "iou_threshold": self.iou_threshold,
                "score_threshold": self.score_threshold, "seed": self.seed}


# The paper gives no parameter count. Ours, for VOC (20 classes): VGG16's 13 convolutions
# 14,714,688 + RPN 3×3 conv 2,359,808 + RPN outputs 9,234 + 18,468 + fc6 102,764,544 + fc7
# 16,781,312 + cls_score 86,037 + bbox_pred (4·20) 327,760; the Caffe release's 4·21 box
# outputs would add 16,388 (tests/models/detection/test_faster_rcnn.py, marked slow).
@register_model("faster_rcnn", task="detection", paper=PAPER,
                reference={"measured": "137,061,851 parameters for 20 classes (VGG16)",
                           "source": "counted here from the layers of §3 and Fast R-CNN §2"},
                tiny={"num_classes": 3, "width": 1 / 16, "image_shape": (96, 96, 3),
                      "anchor_sizes": (12, 24, 48), "fc_units": 16, "dropout": 0.0,
                      "train_proposals": (64, 16), "test_proposals": (32, 8),
                      "rpn_batch_size": 32, "rois_per_image": 16, "max_detections": 10})
def faster_rcnn(num_classes=20, image_shape=(600, 1000, 3), width=1.0, weights=None,
                **kwargs):
    """Faster R-CNN with VGG16: RPN and Fast R-CNN on shared conv5_3 features, one fit."""
    features = vgg16_conv5_features(image_shape, width, weights)
    return FasterRCNN(features, num_classes, name="faster_rcnn", **kwargs)
