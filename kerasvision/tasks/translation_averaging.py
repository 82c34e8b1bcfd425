"""Test-time augmentation for a pixel classifier: average its scores over small translations.

Fashion-MNIST's mirror images hurt (the flip average scored below one view), but the
classifier is trained on pad-2 random crops, so one-pixel shifts are views it knows; the
result is one functional model (same input, same ClassNames layer), which the CLI, the
`.keras` file and the SavedModel all carry. It costs len(shifts) forward passes, run as one
batch (layers/translated_views.py).
"""

import keras

from kerasvision.layers.class_names import ClassNames
from kerasvision.layers.translated_views import TranslatedViews, ViewAverage

# The image itself and its four one-pixel neighbours.
PLUS_SHIFTS = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))


def with_translation_averaging(model, shifts=PLUS_SHIFTS):
    """`model` wrapped as the mean of model(shift(x)) over `shifts`, ClassNames kept last."""
    names = next((l.names for l in model.layers if isinstance(l, ClassNames)), None)
    pixels = keras.Input(model.inputs[0].shape[1:], name="pixels")
    backbone = keras.Model(model.inputs[0], model.outputs[0], name=f"{model.name}_backbone")
    views = TranslatedViews(shifts, name="translated_views")(pixels)
    scores = ViewAverage(len(shifts), name="view_average")(backbone(views))
    if names is not None:
        scores = ClassNames(names, name="class_names")(scores)
    return keras.Model(pixels, scores, name=f"{model.name}_shift_tta")
