"""keras.metrics.MeanIoU for a segmenter's per-pixel class scores, usable in `compile`."""

import keras


@keras.saving.register_keras_serializable(package="kerasvision")
class PixelMeanIoU(keras.metrics.MeanIoU):
    """Mean IoU of integer class maps `(B, H, W)` against class scores `(B, H, W, C)`.

    keras.metrics.MeanIoU with `sparse_y_pred=False`: it takes the argmax of the scores (a
    softmax output or logits alike) and accumulates a confusion matrix over every batch, so the
    epoch's value is the data set's mean IoU, equal to `confusion_scores.mean_iou` of the
    summed matrix.

    Args:
        num_classes: number of classes.
        ignore_class: target value whose pixels are not counted (void), or None.
    """

    def __init__(self, num_classes, name="mean_iou", dtype=None, ignore_class=None):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=True, sparse_y_pred=False)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self._dtype,
                "ignore_class": self.ignore_class}
