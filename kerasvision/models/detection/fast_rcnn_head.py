"""The Fast R-CNN detection stage (Girshick, "Fast R-CNN", ICCV 2015), shared by Fast R-CNN
(external proposals) and Faster R-CNN (RPN proposals).

Network (§2, Fig. 1): each RoI of the shared feature map (VGG16's conv5_3, stride 16) is
max-pooled to 7×7 (RoIPooling, §2.1; RoIAlign from Mask R-CNN on request), then two fully
connected layers (fc6, fc7: 4096 units with ReLU and dropout, VGG16's) feed two siblings: a
softmax over C + 1 classes (background first) and 4·C class-specific box deltas (§2 "the
second outputs four real-valued numbers for each of the K object classes"; the Caffe release
and torchvision keep a fourth, unused set for the background, 4·(C + 1)). Weights of the two
output layers start from zero-mean Gaussians with standard deviations 0.01 and 0.001
(§2.3 "Initialization"); deltas use BoxCoder's weights (10, 10, 5, 5) (the target
normalisation of the Caffe release, torchvision's second stage).

Training (§2.3 "Mini-batch sampling"): the ground-truth boxes join the proposals (as the
Caffe release and torchvision do, so that there is always a foreground RoI), then each image
gives a random sample of RoIs, 25% foreground (IoU ≥ 0.5 with a box, labelled with its class)
where there are enough, the rest background (best IoU in [0.1, 0.5) in the paper — "the lower
threshold of 0.1 appears to act as a heuristic for hard example mining" — and in [0, 0.5) in
py-faster-rcnn's end-to-end Faster R-CNN and torchvision; an argument). The loss (eq. 1) is
the log loss over the sampled RoIs plus λ = 1 times smooth L1 (δ = 1, eq. 3) of the true
class's deltas over the foreground ones, both divided by the number of sampled RoIs (the
Caffe release's and torchvision's normalisation).

Inference (§3): every RoI's deltas are decoded per class and clipped to the image, and
per-class NMS (`detection_dict`; 0.3 and score 0.05 in the release's test settings) keeps the
best detections, padded with -1 (the detection contract).
"""

import keras
from keras import ops

from kerasvision.layers.roi_align import RoIAlign
from kerasvision.layers.roi_pooling import RoIPooling, padding_mask
from kerasvision.models.detection.balanced_sampler import sample_balanced, sample_indices
from kerasvision.models.detection.box_coder import BoxCoder, to_xyxy
from kerasvision.models.detection.box_matcher import pairwise_iou
from kerasvision.models.detection.detection_post_processor import detection_dict
from kerasvision.models.detection.multibox_loss import smooth_l1
from kerasvision.models.detection.region_proposal_network import clip_to_image

FAST_RCNN_BOX_WEIGHTS = (10.0, 10.0, 5.0, 5.0)
ROI_LAYERS = ("pool", "align")
# A harmless box where a masked row's encoding must still be finite (its gradient would be
# NaN · 0 otherwise).
_UNIT_BOX = (0.0, 0.0, 1.0, 1.0)


@keras.saving.register_keras_serializable(package="kerasvision")
class FastRCNNHead(keras.layers.Layer):
    """RoI pooling, fc6, fc7 and the class and box outputs (module doc).

    Inputs `[features (B, H, W, C), rois (B, R, 4)]`, rois xyxy in input pixels with -1 rows
    for padding. Outputs `(class_logits (B, R, C + 1), box_deltas (B, R, C, 4))`.

    Args:
        num_classes: object classes C.
        pool_size: side of the pooled grid (7 for VGG16).
        spatial_scale: feature-map size over image size (1/16 for conv5_3).
        fc_units: width of fc6 and fc7 (4096 for VGG16).
        dropout: dropout after fc6 and fc7 (0.5, VGG16's).
        roi_layer: "pool" (RoIPooling, the paper's) or "align" (RoIAlign).
    """

    def __init__(self, num_classes, pool_size=7, spatial_scale=1.0 / 16, fc_units=4096,
                 dropout=0.5, roi_layer="pool", **kwargs):
        super().__init__(**kwargs)
        if roi_layer not in ROI_LAYERS:
            raise ValueError(f"roi_layer must be one of {ROI_LAYERS}, got {roi_layer!r}")
        self.num_classes = int(num_classes)
        self.pool_size = int(pool_size)
        self.spatial_scale = float(spatial_scale)
        self.fc_units = int(fc_units)
        self.dropout = float(dropout)
        self.roi_layer = roi_layer
        roi_class = RoIPooling if roi_layer == "pool" else RoIAlign
        self.roi = roi_class(self.pool_size, self.spatial_scale, name=f"roi_{roi_layer}")
        self.fc6 = keras.layers.Dense(self.fc_units, activation="relu", name="fc6")
        self.drop6 = keras.layers.Dropout(self.dropout, name="drop6")
        self.fc7 = keras.layers.Dense(self.fc_units, activation="relu", name="fc7")
        self.drop7 = keras.layers.Dropout(self.dropout, name="drop7")
        self.class_scores = keras.layers.Dense(
            self.num_classes + 1, kernel_initializer=keras.initializers.RandomNormal(
                stddev=0.01), name="cls_score")
        self.box_deltas = keras.layers.Dense(
            4 * self.num_classes, kernel_initializer=keras.initializers.RandomNormal(
                stddev=0.001), name="bbox_pred")

    def build(self, input_shape):
        features_shape, _ = input_shape
        pooled = self.pool_size * self.pool_size * features_shape[-1]
        self.fc6.build((None, pooled))
        self.fc7.build((None, self.fc_units))
        self.class_scores.build((None, self.fc_units))
        self.box_deltas.build((None, self.fc_units))

    def call(self, inputs, training=None):
        features, rois = inputs
        # RoIPooling and RoIAlign read [y1, x1, y2, x2]; the swap keeps -1 padding rows.
        pooled = self.roi([features, to_xyxy(ops.cast(rois, "float32"), "yxyx")])
        batch, count = ops.shape(pooled)[0], ops.shape(pooled)[1]
        x = ops.reshape(pooled, (batch * count, -1))  # (H, W, C) order, as keras' Flatten
        x = self.drop6(self.fc6(x), training=training)
        x = self.drop7(self.fc7(x), training=training)
        logits = ops.reshape(self.class_scores(x), (batch, count, self.num_classes + 1))
        deltas = ops.reshape(self.box_deltas(x), (batch, count, self.num_classes, 4))
        return logits, deltas

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "pool_size": self.pool_size, "spatial_scale": self.spatial_scale,
                "fc_units": self.fc_units, "dropout": self.dropout, "roi_layer": self.roi_layer}


def sample_rois(proposals, gt_boxes, gt_classes, num_samples=64, foreground_fraction=0.25,
                foreground_iou=0.5, background_iou=(0.1, 0.5), seed=None):
    """The training RoIs of each image and their targets (module doc, §2.3).

    Args:
        proposals: (B, R, 4) xyxy, -1 rows for padding.
        gt_boxes: (B, M, 4) xyxy; gt_classes: (B, M) class ids, -1 for padding.
        num_samples: RoIs per image (64 in Fast R-CNN, 128 in py-faster-rcnn's Faster R-CNN).
        foreground_fraction: largest share of foreground RoIs (0.25).
        foreground_iou: least IoU of a foreground RoI with its box (0.5).
        background_iou: [low, high) of a background RoI's best IoU.
        seed: a `keras.random.SeedGenerator` for the sample.

    Returns:
        `(rois (B, S, 4), class_targets (B, S) int32, box_targets (B, S, 4))`, S =
        `num_samples`: foreground rows first, then background ones, then (where an image has
        too few candidates) -1 rows with class target -1; class targets 1..C for foreground,
        0 for background; box targets encoded against the RoI (zero except foreground).
    """
    proposals = ops.convert_to_tensor(proposals, "float32")
    gt_boxes = ops.convert_to_tensor(gt_boxes, "float32")
    gt_classes = ops.convert_to_tensor(gt_classes, "float32")
    gt_mask = gt_classes >= 0
    batch = ops.shape(proposals)[0]
    # Ground truth joins the candidates, and S padding rows guarantee at least S of them.
    candidates = ops.concatenate([proposals, ops.where(gt_mask[..., None], gt_boxes, -1.0),
                                  ops.full((batch, int(num_samples), 4), -1.0)], axis=1)
    real = padding_mask(candidates)
    iou = ops.where(gt_mask[:, None, :], pairwise_iou(candidates, gt_boxes), 0.0)
    best_iou = ops.max(iou, axis=-1)
    matched = ops.cast(ops.argmax(iou, axis=-1), "int32")
    low, high = background_iou
    foreground = ops.logical_and(real, best_iou >= foreground_iou)
    background = ops.logical_and(real, ops.logical_and(best_iou >= low, best_iou < high))
    positive, negative, keys = sample_balanced(foreground, background, num_samples,
                                               foreground_fraction, seed)
    index, valid = sample_indices(positive, negative, keys, num_samples)
    rois = ops.where(valid[..., None], ops.take_along_axis(candidates, index[..., None], axis=1),
                     -1.0)
    is_foreground = ops.take_along_axis(positive, index, axis=1)
    box_index = ops.take_along_axis(matched, index, axis=1)
    classes = ops.cast(ops.take_along_axis(gt_classes, box_index, axis=1), "int32") + 1
    class_targets = ops.where(is_foreground, classes, ops.where(valid, 0, -1))
    unit = ops.convert_to_tensor(_UNIT_BOX, "float32")
    boxes = ops.take_along_axis(gt_boxes, box_index[..., None], axis=1)
    encoded = BoxCoder(FAST_RCNN_BOX_WEIGHTS).encode(
        ops.where(is_foreground[..., None], boxes, unit),
        ops.where(is_foreground[..., None], rois, unit))
    box_targets = ops.where(is_foreground[..., None], encoded, 0.0)
    return rois, ops.cast(class_targets, "int32"), box_targets


def fast_rcnn_loss(class_targets, box_targets, class_logits, box_deltas):
    """Eq. 1: log loss over the sampled RoIs plus smooth L1 of the true class's deltas over
    the foreground ones, each divided by the number of sampled RoIs (rows with class target
    -1 are padding and count nowhere).

    Args:
        class_targets: (B, S) int, 0 background, 1..C objects, -1 padding.
        box_targets: (B, S, 4); class_logits: (B, S, C + 1); box_deltas: (B, S, C, 4).
    """
    class_targets = ops.cast(class_targets, "int32")
    sampled = class_targets >= 0
    count = ops.maximum(ops.sum(ops.cast(sampled, "float32")), 1.0)
    log_loss = ops.sparse_categorical_crossentropy(ops.maximum(class_targets, 0),
                                                   ops.cast(class_logits, "float32"),
                                                   from_logits=True)
    class_loss = ops.sum(ops.where(sampled, log_loss, 0.0)) / count
    foreground = class_targets > 0
    true_class = ops.maximum(class_targets - 1, 0)[..., None, None]
    deltas = ops.take_along_axis(ops.cast(box_deltas, "float32"), true_class, axis=2)[:, :, 0]
    box_error = smooth_l1(box_targets - deltas)
    box_loss = ops.sum(ops.where(foreground[..., None], box_error, 0.0)) / count
    return class_loss + box_loss


def fast_rcnn_detections(rois, class_logits, box_deltas, image_shape, max_detections=100,
                         iou_threshold=0.3, score_threshold=0.05):
    """The detection dict from the head's outputs over `rois` (B, R, 4) xyxy (-1 padding).

    Each RoI gives one box per class (its class's deltas decoded, clipped to the image) with
    that class's softmax probability. `detection_dict` takes one box per row, so every
    (RoI, class) pair becomes a row whose score vector is zero except at its class; with a
    positive `score_threshold` the zeros never survive, and NMS stays per class.
    """
    if score_threshold <= 0:
        raise ValueError(f"score_threshold must be positive, got {score_threshold!r}")
    rois = ops.cast(rois, "float32")
    num_classes = int(box_deltas.shape[2])
    probabilities = ops.softmax(ops.cast(class_logits, "float32"), axis=-1)[..., 1:]
    probabilities = ops.where(padding_mask(rois)[..., None], probabilities, 0.0)
    boxes = BoxCoder(FAST_RCNN_BOX_WEIGHTS).decode(box_deltas, rois[:, :, None, :])
    boxes = clip_to_image(boxes, image_shape)
    batch = ops.shape(rois)[0]
    rows = ops.reshape(boxes, (batch, -1, 4))
    scores = ops.reshape(probabilities[..., None] * ops.eye(num_classes), (batch, -1, num_classes))
    return detection_dict(rows, scores, max_detections, iou_threshold, score_threshold)
