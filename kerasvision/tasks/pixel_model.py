"""A registered backbone with its input normalisation inside the graph.

The model's input is float pixels in 0–255 at the backbone's native size, so `fit`, `predict`,
the CLI and the exported SavedModel all feed the same pixels; the exported signatures add
decoding and resizing in front of this graph. The normalisation is one Rescaling layer
(x/255 − mean)/std folded into scale and offset, so it serializes safely.
"""

import keras

from kerasvision.registry import build


def pixel_classifier(backbone, input_shape, classes, mean, std, min_side=0, columns=1,
                     **backbone_kwargs):
    """Functional model: pixels (0–255) -> normalize -> `backbone` -> class probabilities.

    With `columns` > 1, that many copies of `backbone` side by side, each its own output
    (trained with its own loss), and last their average (models/multi_column.py): the
    output a classifier ships.

    With `min_side`, images with a smaller side are resized up to it (bilinear) inside the
    graph, for architectures whose strides need a minimum input (AlexNet: 67 pixels); the
    model's input stays `input_shape`.
    """
    pixels = keras.Input(input_shape, name="pixels")
    normalized = keras.layers.Rescaling(scale=1.0 / (255.0 * std), offset=-mean / std,
                                        name="normalize")(pixels)
    height, width = input_shape[:2]
    if min(height, width) < min_side:
        scale = min_side / min(height, width)
        height, width = round(height * scale), round(width * scale)
        normalized = keras.layers.Resizing(height, width, name="resize_up")(normalized)
        input_shape = (height, width, *input_shape[2:])
    if columns == 1:
        return build(backbone, input_tensor=normalized, input_shape=input_shape,
                     classes=classes, **backbone_kwargs)
    from kerasvision.models.multi_column import multi_column_outputs

    template = build(backbone, input_shape=input_shape, classes=classes, **backbone_kwargs)
    outputs = multi_column_outputs(template, normalized, columns)
    return keras.Model(pixels, outputs, name=f"{template.name}_x{columns}")
