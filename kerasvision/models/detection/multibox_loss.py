"""SSD's training objective (Liu et al., SSD, ECCV 2016, §2.2 "Training objective", "Matching
strategy", "Hard negative mining").

- Matching: each ground-truth box takes its best-overlapping default box, and every default box
  whose IoU with some ground truth exceeds 0.5 is matched to its best one
  (`BoxMatcher(0.5, 0.5, allow_low_quality=True)`); the rest are negatives.
- Hard negative mining: of the negatives, only those with the highest background loss are
  kept, at most `negative_ratio` (3) per positive in each image; the paper's 3:1.
- Loss: (L_conf + α·L_loc) / N, N the number of matched boxes in the batch, L_conf the
  softmax cross-entropy over the C + 1 classes (0 = background) of positives and mined
  negatives, L_loc smooth L1 over the positives' encoded offsets, α = 1.

An image without any ground truth still contributes its `min_negatives` hardest negatives, so
that empty scenes teach the background (the paper's scheme would give them no loss at all).
"""

from keras import ops

from kerasvision.models.detection.box_coder import BoxCoder
from kerasvision.models.detection.box_matcher import BoxMatcher


def smooth_l1(error):
    """Huber loss with δ = 1 (Fast R-CNN's smooth L1), elementwise."""
    error = ops.abs(error)
    return ops.where(error < 1.0, 0.5 * error ** 2, error - 0.5)


def mined_negatives(background_loss, negative, count):
    """Mask of each row's `count` highest-loss negatives (count: (B,) int)."""
    loss = ops.where(negative, background_loss, -1.0)
    # rank of every anchor by loss, 0 = hardest; argsort of an argsort gives ranks.
    order = ops.argsort(-loss, axis=-1)
    rank = ops.argsort(order, axis=-1)
    return ops.logical_and(negative, rank < count[:, None])


class MultiBoxLoss:
    """SSD's loss on padded ground truth against fixed default boxes.

    Args:
        anchors: (N, 4) xyxy default boxes (pixels).
        num_classes: object classes C (the logits have C + 1, background first).
        coder: the offset encoding (default: variances 0.1/0.2 = weights 10, 10, 5, 5).
        negative_ratio: mined negatives per positive (3 in the paper).
        min_negatives: negatives kept per image even without positives.
        alpha: weight of the localisation term (1 in the paper).
    """

    def __init__(self, anchors, num_classes, coder=None, negative_ratio=3.0, min_negatives=4,
                 alpha=1.0, positive_iou=0.5):
        self.anchors = ops.convert_to_tensor(anchors, "float32")
        self.num_classes = int(num_classes)
        self.coder = coder or BoxCoder()
        self.negative_ratio = float(negative_ratio)
        self.min_negatives = int(min_negatives)
        self.alpha = float(alpha)
        self.matcher = BoxMatcher(positive_iou=positive_iou, negative_iou=positive_iou,
                                  allow_low_quality=True)

    def targets(self, boxes, classes):
        """Per-anchor `(class targets (B, N) int32 with 0 = background, box targets (B, N, 4),
        positive mask (B, N))` for padded ground truth (rows with class -1 are padding)."""
        boxes = ops.convert_to_tensor(boxes, "float32")
        classes = ops.convert_to_tensor(classes, "float32")
        matched, labels = self.matcher(self.anchors, boxes, gt_mask=classes >= 0)
        index = ops.maximum(matched, 0)
        matched_boxes = ops.take_along_axis(boxes, index[..., None], axis=1)
        matched_classes = ops.take_along_axis(classes, index, axis=1)
        positive = labels == BoxMatcher.POSITIVE
        class_targets = ops.where(positive, ops.cast(matched_classes, "int32") + 1, 0)
        box_targets = self.coder.encode(matched_boxes, self.anchors[None])
        return class_targets, box_targets, positive

    def __call__(self, boxes, classes, class_logits, box_deltas):
        """The scalar loss for padded ground truth and the heads' raw outputs.

        Args:
            boxes: (B, M, 4) xyxy ground truth, -1 rows for padding.
            classes: (B, M) class ids, -1 for padding.
            class_logits: (B, N, C + 1) logits, background first.
            box_deltas: (B, N, 4) encoded offsets.
        """
        class_targets, box_targets, positive = self.targets(boxes, classes)
        class_logits = ops.cast(class_logits, "float32")
        cross_entropy = ops.sparse_categorical_crossentropy(class_targets, class_logits,
                                                            from_logits=True)
        positives = ops.sum(ops.cast(positive, "int32"), axis=-1)
        count = ops.maximum(ops.cast(ops.cast(positives, "float32") * self.negative_ratio,
                                     "int32"), self.min_negatives)
        kept = ops.logical_or(positive, mined_negatives(cross_entropy, ~positive, count))
        matched = ops.maximum(ops.sum(ops.cast(positive, "float32")), 1.0)
        class_loss = ops.sum(ops.where(kept, cross_entropy, 0.0))
        box_error = smooth_l1(box_targets - ops.cast(box_deltas, "float32"))
        box_loss = ops.sum(ops.where(positive[..., None], box_error, 0.0))
        return (class_loss + self.alpha * box_loss) / matched
