"""Test-time augmentation for a pixel classifier: average its scores over x and mirror(x).

The result is one functional model (same input, same class names) so the CLI, `.keras` file
and SavedModel all include it; it costs two forward passes.
"""

import keras

from kerasvision.layers.class_names import ClassNames
from kerasvision.layers.horizontal_flip import HorizontalFlip


def with_flip_averaging(model):
    """`model` wrapped as mean(model(x), model(flip(x))), keeping its ClassNames layer last."""
    names = next((l.names for l in model.layers if isinstance(l, ClassNames)), None)
    pixels = keras.Input(model.inputs[0].shape[1:], name="pixels")
    backbone = keras.Model(model.inputs[0], model.outputs[0], name=f"{model.name}_backbone")
    mirrored = HorizontalFlip(name="mirror")(pixels)
    scores = keras.layers.Average(name="flip_average")([backbone(pixels), backbone(mirrored)])
    if names is not None:
        scores = ClassNames(names, name="class_names")(scores)
    return keras.Model(pixels, scores, name=f"{model.name}_flip_tta")
