"""Cross-entropy plus soft Dice: the pixel-wise term keeps every pixel's gradient, the Dice term
keeps small foreground classes from being outvoted by the background (a common pairing in
medical segmentation, e.g. Isensee et al., nnU-Net, Nature Methods 2021)."""

import keras
from keras import ops

from kerasvision.models.segmentation.pixel_cross_entropy import PixelCrossEntropy
from kerasvision.models.segmentation.soft_dice_loss import SoftDiceLoss


@keras.saving.register_keras_serializable(package="kerasvision")
class DiceCrossEntropyLoss(keras.losses.Loss):
    """PixelCrossEntropy averaged over each image's pixels, plus SoftDiceLoss, per image.

    `call` returns `(B,)`; with the default reduction the value is the cross-entropy loss plus
    the Dice loss of the same batch (images of one size).

    Args:
        class_weights: the cross-entropy's class weights (None: all ones).
        smooth: the Dice term's smoothing.
        include_background: whether the Dice term averages class 0 too.
        from_logits: whether the scores are logits (else probabilities).
    """

    def __init__(self, class_weights=None, smooth=1.0, include_background=False,
                 from_logits=False, name="dice_cross_entropy_loss",
                 reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.cross_entropy = PixelCrossEntropy(class_weights, from_logits, dtype=dtype)
        self.dice = SoftDiceLoss(smooth, include_background, from_logits, dtype=dtype)

    def call(self, y_true, y_pred):
        per_pixel = self.cross_entropy.call(y_true, y_pred)
        return ops.mean(per_pixel, axis=(1, 2)) + self.dice.call(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "class_weights": self.cross_entropy.class_weights,
                "smooth": self.dice.smooth, "include_background": self.dice.include_background,
                "from_logits": self.cross_entropy.from_logits}
