"""A registered backbone with its input normalisation inside the graph.

The model's input is float pixels in 0–255 at the backbone's native size, so `fit`, `predict`,
the CLI and the exported SavedModel all feed the same pixels; the exported signatures add
decoding and resizing in front of this graph. The normalisation is one Rescaling layer
(x/255 − mean)/std folded into scale and offset, so it serializes safely.
"""

import keras

from kerasvision.registry import build


def pixel_classifier(backbone, input_shape, classes, mean, std, **backbone_kwargs):
    """Functional model: pixels (0–255) -> normalize -> `backbone` -> class probabilities."""
    pixels = keras.Input(input_shape, name="pixels")
    normalized = keras.layers.Rescaling(scale=1.0 / (255.0 * std), offset=-mean / std,
                                        name="normalize")(pixels)
    return build(backbone, input_tensor=normalized, input_shape=input_shape, classes=classes,
                 **backbone_kwargs)
