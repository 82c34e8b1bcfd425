"""The perceptron criterion (Rosenblatt 1962; Bishop, Pattern Recognition and Machine Learning,
2006, eq. 4.54)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class PerceptronCriterion(keras.losses.Loss):
    """E(w) = Σᵢ max(0, −tᵢ f(xᵢ)): the score's magnitude summed over misclassified patterns.

    `y_true` holds targets t ∈ {−1, +1} (any value > 0 counts as +1, so {0, 1} labels work too);
    `y_pred` holds scores f(x) = wᵀφ(x), not their sign. Its stochastic gradient step on a
    misclassified pattern, −∂E/∂w = t φ(x), is the perceptron learning rule. The loss is zero for
    any separator, with no notion of margin (the lecture's comparison with the hinge loss). The
    default reduction is "sum", the lecture's Σ.
    """

    def __init__(self, reduction="sum", name="perceptron_criterion", **kwargs):
        super().__init__(reduction=reduction, name=name, **kwargs)

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        t = ops.where(ops.cast(y_true, y_pred.dtype) > 0, 1.0, -1.0)
        t = ops.cast(ops.reshape(t, ops.shape(y_pred)), y_pred.dtype)
        return ops.sum(ops.relu(-t * y_pred), axis=-1)
