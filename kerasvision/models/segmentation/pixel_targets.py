"""What the per-pixel losses share: integer class maps from targets, probabilities from scores.

Targets are the segmentation contract's (docs/architecture.md, "The standard contract"): integer
class indices `(B, H, W)`, or `(B, H, W, 1)` as some data pipelines give them.
"""

from keras import ops


def class_indices(y_true):
    """`(B, H, W)` int32 class indices; Keras hands a Loss its targets as floats."""
    if len(y_true.shape) == 4 and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    return ops.cast(y_true, "int32")


def class_probabilities(y_pred, from_logits):
    """`(B, H, W, C)` per-pixel class probabilities: the softmax of logits, else the scores."""
    return ops.softmax(y_pred, axis=-1) if from_logits else y_pred
