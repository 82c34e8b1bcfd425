"""Per-pixel cross-entropy with optional class weights, the loss of every segmentation paper here
(FCN, SegNet, FRRN, FC-DenseNet); SegNet and ENet weight rare classes up (median frequency
balancing, Eigen & Fergus, ICCV 2015), which is what `class_weights` is for.
"""

import keras
from keras import ops

from kerasvision.models.segmentation.pixel_targets import class_indices


@keras.saving.register_keras_serializable(package="kerasvision")
class PixelCrossEntropy(keras.losses.Loss):
    """−w[y] · log p[y] at each pixel, for integer class maps and per-pixel class scores.

    `call` returns the per-pixel losses `(B, H, W)`, so the default reduction is the mean over
    every pixel of the batch (the unweighted pixel count, as Caffe's softmax loss and Keras's
    `sample_weight` normalise; PyTorch's weighted loss divides by the sum of weights instead),
    and a per-pixel `sample_weight` `(B, H, W)` applies on top of the class weights.

    Args:
        class_weights: one weight per class, or None for all ones.
        from_logits: whether the scores are logits (else probabilities, as the softmax output
            of the registered segmenters).
    """

    def __init__(self, class_weights=None, from_logits=False, name="pixel_cross_entropy",
                 reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.class_weights = None if class_weights is None else [float(w) for w in class_weights]
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        labels = class_indices(y_true)
        losses = ops.sparse_categorical_crossentropy(labels, y_pred,
                                                     from_logits=self.from_logits)
        if self.class_weights is None:
            return losses
        if y_pred.shape[-1] is not None and y_pred.shape[-1] != len(self.class_weights):
            raise ValueError(f"{len(self.class_weights)} class weights for "
                             f"{y_pred.shape[-1]} classes")
        weights = ops.convert_to_tensor(self.class_weights, dtype=losses.dtype)
        return losses * ops.take(weights, labels)

    def get_config(self):
        return {**super().get_config(), "class_weights": self.class_weights,
                "from_logits": self.from_logits}
