"""Soft Dice loss over the foreground classes (after Milletari, Navab & Ahmadi, V-Net, 3DV 2016,
with sums rather than sums of squares in the denominator, the usual multi-class form).
"""

import keras
from keras import ops

from kerasvision.models.segmentation.pixel_targets import class_indices, class_probabilities


@keras.saving.register_keras_serializable(package="kerasvision")
class SoftDiceLoss(keras.losses.Loss):
    """1 − mean over foreground classes c of (2 Σ p_c g_c + s) / (Σ p_c + Σ g_c + s), by image.

    p_c is the predicted probability of class c at each pixel and g_c the one-hot target; the
    sums run over one image's pixels. Class 0, the background, is left out unless
    `include_background`: it covers most pixels and would dominate the score, which Dice is
    used to avoid. `call` returns one loss per image `(B,)`.

    Args:
        smooth: s; keeps a class absent from both target and prediction at a Dice of 1 (no
            loss) instead of 0/0. Must be positive if such classes can occur.
        include_background: also average class 0.
        from_logits: whether the scores are logits (else probabilities).
    """

    def __init__(self, smooth=1.0, include_background=False, from_logits=False,
                 name="soft_dice_loss", reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.smooth = float(smooth)
        self.include_background = include_background
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        probabilities = class_probabilities(y_pred, self.from_logits)
        classes = probabilities.shape[-1]
        if classes is None or classes < (1 if self.include_background else 2):
            raise ValueError(f"soft Dice needs known class scores and a foreground class, got "
                             f"{classes} classes")
        targets = ops.one_hot(class_indices(y_true), classes, dtype=probabilities.dtype)
        first = 0 if self.include_background else 1
        probabilities, targets = probabilities[..., first:], targets[..., first:]
        intersection = ops.sum(probabilities * targets, axis=(1, 2))
        total = ops.sum(probabilities, axis=(1, 2)) + ops.sum(targets, axis=(1, 2))
        dice = (2.0 * intersection + self.smooth) / (total + self.smooth)
        return 1.0 - ops.mean(dice, axis=-1)

    def get_config(self):
        return {**super().get_config(), "smooth": self.smooth,
                "include_background": self.include_background, "from_logits": self.from_logits}
