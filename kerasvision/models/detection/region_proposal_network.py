"""The Region Proposal Network (Ren, He, Girshick & Sun, "Faster R-CNN: Towards Real-Time
Object Detection with Region Proposal Networks", NIPS 2015 / TPAMI 2017, §3.1).

A small network slides over the last shared feature map (VGG16's conv5_3, stride 16): a 3×3
convolution to a 512-d feature (256-d for ZF) with ReLU, then two sibling 1×1 convolutions,
`cls` with 2k scores (object / not object as a two-class softmax per anchor) and `reg` with
4k box deltas, for k anchors per position (§3.1.1: 3 scales 128², 256², 512² × 3 aspect ratios
1:1, 1:2, 2:1, so k = 9). The output layers hold 512·(2 + 4)·9 = 27,648 weights, the paper's
"2.8 × 10⁴ parameters" (tested). torchvision's RPN has k sigmoid logits instead of 2k; this is
the paper's form.

Proposals (§3.3, and py-faster-rcnn's proposal layer): the deltas are decoded against the
anchors (BoxCoder with weights (1, 1, 1, 1), eq. 2), boxes clipped to the image, boxes with a
side below `min_size` dropped, the best `pre_nms_top_n` by objectness kept, non-maximum
suppression at IoU 0.7, and the best `post_nms_top_n` kept (2000 for training, 300 at test in
the paper; py-faster-rcnn takes 12000 / 6000 before NMS). The top-N is taken before decoding,
as torchvision does, so a dropped tiny box counts against the pre-NMS budget. The output is a
fixed-size (B, post_nms_top_n, 4) xyxy tensor padded with -1 rows, so it runs in a SavedModel.

Training (§3.1.2): an anchor is positive when its IoU with a ground-truth box is above 0.7 or
it is the best anchor of some box, negative below 0.3 against all boxes, otherwise ignored;
anchors that cross the image border are ignored (§3.3, "we ignore all cross-boundary
anchors"). Each image contributes 256 random anchors, up to half of them positive (§3.1.3).
The loss is the log loss over the sampled anchors plus smooth L1 (δ = 1, Fast R-CNN's) over
the sampled positives' deltas, both divided by the number of sampled anchors, λ = 1: the
normalisation of py-faster-rcnn and torchvision. The paper's eq. 1 divides the box term by
the number of anchor locations (~2,400) and weights it by λ = 10, which it notes gives about
the same balance (10 / 2,400 ≈ 1 / 256). torchvision also uses δ = 1/9 for this term.
"""

import numpy as np

import keras
import tensorflow as tf
from keras import ops

from kerasvision.models.detection.anchor_generator import AnchorGenerator
from kerasvision.models.detection.balanced_sampler import sample_balanced
from kerasvision.models.detection.box_coder import BoxCoder
from kerasvision.models.detection.box_matcher import BoxMatcher
from kerasvision.models.detection.multibox_loss import smooth_l1

# §3.1.1: three scales and three aspect ratios (height / width, AnchorGenerator's convention).
PAPER_ANCHOR_SIZES = (128.0, 256.0, 512.0)
PAPER_ANCHOR_RATIOS = (0.5, 1.0, 2.0)
# The RPN regresses deltas without scaling (py-faster-rcnn, torchvision's RPN).
RPN_BOX_WEIGHTS = (1.0, 1.0, 1.0, 1.0)


@keras.saving.register_keras_serializable(package="kerasvision")
class RegionProposalHead(keras.layers.Layer):
    """The RPN's sliding mini-network (§3.1): 3×3 conv + ReLU, then 1×1 `cls` and `reg`.

    Input: a feature map (B, H, W, C). Output: `(objectness_logits (B, H·W·k, 2),
    box_deltas (B, H·W·k, 4))`, anchors in AnchorGenerator's order (positions row-major, then
    the k anchors of a position); logit 1 of each pair is "object". Weights start from a
    zero-mean Gaussian with standard deviation 0.01 (§3.1.3), biases from 0.

    Args:
        anchors_per_location: k (9 in the paper).
        channels: the 3×3 convolution's width (512 for VGG16, 256 for ZF).
    """

    def __init__(self, anchors_per_location=9, channels=512, **kwargs):
        super().__init__(**kwargs)
        self.anchors_per_location = int(anchors_per_location)
        self.channels = int(channels)
        k = self.anchors_per_location
        init = keras.initializers.RandomNormal(stddev=0.01)
        self.conv = keras.layers.Conv2D(self.channels, 3, padding="same", activation="relu",
                                        kernel_initializer=init, name="rpn_conv")
        self.objectness = keras.layers.Conv2D(2 * k, 1, kernel_initializer=init,
                                              name="rpn_cls_score")
        self.box_deltas = keras.layers.Conv2D(4 * k, 1, kernel_initializer=init,
                                              name="rpn_bbox_pred")

    def build(self, input_shape):
        self.conv.build(input_shape)
        hidden = (*input_shape[:-1], self.channels)
        self.objectness.build(hidden)
        self.box_deltas.build(hidden)

    def call(self, features):
        x = self.conv(features)
        batch = ops.shape(features)[0]
        logits = ops.reshape(self.objectness(x), (batch, -1, 2))
        deltas = ops.reshape(self.box_deltas(x), (batch, -1, 4))
        return logits, deltas

    def compute_output_shape(self, input_shape):
        batch, height, width = input_shape[:3]
        n = None if height is None or width is None else height * width * \
            self.anchors_per_location
        return (batch, n, 2), (batch, n, 4)

    def get_config(self):
        return {**super().get_config(), "anchors_per_location": self.anchors_per_location,
                "channels": self.channels}


def rpn_anchors(image_shape, feature_shape, sizes=PAPER_ANCHOR_SIZES,
                aspect_ratios=PAPER_ANCHOR_RATIOS, stride=16):
    """The RPN's anchors, (H·W·k, 4) float32 numpy xyxy pixels, for a feature map of
    `feature_shape` (height, width) over an image of `image_shape`; cell centres
    ((j + ½)·stride, (i + ½)·stride), in the head's order."""
    generator = AnchorGenerator(sizes=sizes, aspect_ratios=aspect_ratios, strides=(stride,))
    return np.asarray(generator.anchors(image_shape[:2], [tuple(feature_shape)]), "float32")


def clip_to_image(boxes, image_shape):
    """xyxy `boxes` (..., 4) clipped to the image [0, W] × [0, H]."""
    height, width = float(image_shape[0]), float(image_shape[1])
    return ops.stack([ops.clip(boxes[..., 0], 0.0, width), ops.clip(boxes[..., 1], 0.0, height),
                      ops.clip(boxes[..., 2], 0.0, width), ops.clip(boxes[..., 3], 0.0, height)],
                     axis=-1)


def generate_proposals(anchors, objectness_logits, box_deltas, image_shape, pre_nms_top_n,
                       post_nms_top_n, iou_threshold=0.7, min_size=0.0):
    """Proposals from the RPN's outputs, inside the graph (module doc).

    Args:
        anchors: (N, 4) xyxy anchors (numpy or tensor).
        objectness_logits: (B, N, 2); box_deltas: (B, N, 4). No gradient flows back through
            the proposals (approximate joint training, §3.2).
        image_shape: (H, W[, C]) python ints, for clipping.
        pre_nms_top_n, post_nms_top_n: boxes kept before and after NMS per image.
        iou_threshold: NMS overlap threshold (0.7).
        min_size: least side of a kept box, in pixels (py-faster-rcnn: 16 at scale 1).

    Returns:
        `(proposals (B, post_nms_top_n, 4) xyxy, scores (B, post_nms_top_n), counts (B,))`:
        the first counts[i] rows of image i are its proposals, best first; the rest are -1.
    """
    anchors = ops.convert_to_tensor(anchors, "float32")
    logits = ops.stop_gradient(ops.cast(objectness_logits, "float32"))
    deltas = ops.stop_gradient(ops.cast(box_deltas, "float32"))
    scores = ops.softmax(logits, axis=-1)[..., 1]
    top_n = min(int(pre_nms_top_n), int(anchors.shape[0]))
    top_scores, top = ops.top_k(scores, k=top_n)
    top_deltas = ops.take_along_axis(deltas, top[..., None], axis=1)
    boxes = BoxCoder(RPN_BOX_WEIGHTS).decode(top_deltas, ops.take(anchors, top, axis=0))
    boxes = clip_to_image(boxes, image_shape)
    large_enough = ops.logical_and(boxes[..., 2] - boxes[..., 0] >= min_size,
                                   boxes[..., 3] - boxes[..., 1] >= min_size)
    # Dropped boxes score -1, below NMS's threshold; kept ones are probabilities >= 0.
    top_scores = ops.where(large_enough, top_scores, -1.0)
    post_n = int(post_nms_top_n)
    # One class, so combined NMS is plain batched NMS; it reads boxes as yxyx, but IoU is
    # symmetric in x and y and clip_boxes=False leaves the coordinates as they are.
    nms = tf.image.combined_non_max_suppression(
        boxes[:, :, None, :], top_scores[..., None], max_output_size_per_class=post_n,
        max_total_size=post_n, iou_threshold=iou_threshold, score_threshold=-0.5,
        clip_boxes=False)
    valid = ops.arange(post_n)[None, :] < nms.valid_detections[:, None]
    return (ops.where(valid[..., None], nms.nmsed_boxes, -1.0),
            ops.where(valid, nms.nmsed_scores, -1.0),
            ops.cast(nms.valid_detections, "int32"))


def inside_image(anchors, image_shape):
    """Boolean (N,) numpy mask of the anchors lying wholly inside the image."""
    anchors = np.asarray(anchors)
    height, width = image_shape[:2]
    return ((anchors[:, 0] >= 0) & (anchors[:, 1] >= 0) & (anchors[:, 2] <= width)
            & (anchors[:, 3] <= height))


def rpn_targets(anchors, gt_boxes, gt_mask, image_shape, positive_iou=0.7, negative_iou=0.3,
                ignore_cross_boundary=True):
    """Per-anchor labels and box targets for the RPN (§3.1.2).

    Args:
        anchors: (N, 4) numpy xyxy anchors (static: the cross-boundary set is fixed).
        gt_boxes: (B, M, 4) xyxy ground truth; gt_mask: (B, M) True for real boxes.
        image_shape: (H, W[, C]).
        positive_iou, negative_iou: the paper's 0.7 and 0.3 (strict, BoxMatcher's rule).
        ignore_cross_boundary: anchors leaving the image are ignored (§3.3) and take no part
            in the matching, so each box's best anchor is an inside one.

    Returns:
        `(labels (B, N) int32 1 / 0 / -1, box_targets (B, N, 4))`, the targets encoded with
        weights (1, 1, 1, 1) against each anchor's best box (meaningful where labels == 1).
    """
    anchors = np.asarray(anchors, "float32")
    used = inside_image(anchors, image_shape) if ignore_cross_boundary \
        else np.ones(len(anchors), bool)
    if not used.any():
        raise ValueError("no anchor lies inside the image; use smaller anchors or "
                         "ignore_cross_boundary=False")
    index = np.flatnonzero(used)
    matcher = BoxMatcher(positive_iou, negative_iou, allow_low_quality=True)
    gt_boxes = ops.convert_to_tensor(gt_boxes, "float32")
    matched, labels = matcher(anchors[index], gt_boxes, gt_mask=gt_mask)
    matched_boxes = ops.take_along_axis(gt_boxes, ops.maximum(matched, 0)[..., None], axis=1)
    targets = BoxCoder(RPN_BOX_WEIGHTS).encode(matched_boxes, anchors[index][None])
    targets = ops.where((labels == BoxMatcher.POSITIVE)[..., None], targets, 0.0)
    # Back to all N anchors: unused anchors read an extra "ignored" column.
    position = np.full(len(anchors), len(index), "int32")
    position[index] = np.arange(len(index), dtype="int32")
    batch = ops.shape(labels)[0]
    labels = ops.concatenate([labels, ops.full((batch, 1), -1, "int32")], axis=1)
    targets = ops.concatenate([targets, ops.zeros((batch, 1, 4))], axis=1)
    return ops.take(labels, position, axis=1), ops.take(targets, position, axis=1)


def rpn_loss(labels, box_targets, objectness_logits, box_deltas, num_samples=256,
             positive_fraction=0.5, seed=None):
    """The RPN's loss (module doc) on a random balanced sample of anchors per image.

    Args:
        labels, box_targets: from `rpn_targets`.
        objectness_logits: (B, N, 2); box_deltas: (B, N, 4), the head's outputs.
        num_samples: anchors sampled per image (256).
        positive_fraction: largest share of positives (0.5, "up to 1:1").
        seed: a `keras.random.SeedGenerator` for the sample.

    Returns:
        The scalar loss: log loss plus smooth L1, each summed over the sample and divided
        by its size.
    """
    positive, negative, _ = sample_balanced(labels == BoxMatcher.POSITIVE,
                                            labels == BoxMatcher.NEGATIVE, num_samples,
                                            positive_fraction, seed)
    sampled = ops.logical_or(positive, negative)
    count = ops.maximum(ops.sum(ops.cast(sampled, "float32")), 1.0)
    log_loss = ops.sparse_categorical_crossentropy(ops.cast(positive, "int32"),
                                                   ops.cast(objectness_logits, "float32"),
                                                   from_logits=True)
    class_loss = ops.sum(ops.where(sampled, log_loss, 0.0)) / count
    box_error = smooth_l1(box_targets - ops.cast(box_deltas, "float32"))
    box_loss = ops.sum(ops.where(positive[..., None], box_error, 0.0)) / count
    return class_loss + box_loss
