"""The input and top of the keras.applications builder signature, shared by every task's builders.

`input_tensor`/`input_shape` resolve to one image input; `include_top`/`pooling` decide what
follows the feature extractor. Kept apart from the architectures so every family treats these
arguments the same way.
"""

import keras
from keras import layers


def image_input(input_tensor, input_shape, default_shape, min_size=1, model_name="model",
                input_name=None):
    """The image input tensor: `input_tensor` if given, else `keras.Input(input_shape)`.

    Args:
        default_shape: (H, W, C) used when `input_shape` is None.
        min_size: the smallest spatial side the architecture's strides allow; smaller shapes
            raise a one-line ValueError instead of a zero-sized tensor deep in the graph.
        input_name: name of the Input layer created from `input_shape` (None: Keras's default).
    """
    if input_tensor is not None:
        shape = tuple(input_tensor.shape[1:])
        inputs = input_tensor if keras.backend.is_keras_tensor(input_tensor) else \
            keras.Input(tensor=input_tensor, shape=shape)
    else:
        shape = tuple(input_shape) if input_shape is not None else tuple(default_shape)
        if len(shape) != 3:
            raise ValueError(f"{model_name}: input_shape must be (height, width, channels), "
                             f"got {shape}")
        inputs = keras.Input(shape=shape, name=input_name)
    for side in shape[:2]:
        if side is not None and side < min_size:
            raise ValueError(f"{model_name}: input sides must be at least {min_size} pixels, "
                             f"got input shape {shape}")
    return inputs


def source_inputs(input_tensor, inputs):
    """The model inputs: the sources of `input_tensor` (keras.applications' rule), else `inputs`."""
    if input_tensor is not None:
        from keras.src.ops.operation_utils import get_source_inputs
        return get_source_inputs(input_tensor)
    return inputs


def pooled_top(x, include_top, pooling, classes, classifier_activation):
    """Global average pooling and a `predictions` Dense layer, or the feature map / pooled features.

    keras.applications' ResNet and DenseNet top: layer names `avg_pool`, `max_pool`, `predictions`.
    """
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return pooled_features(x, pooling)


def pooled_features(x, pooling):
    """`pooling=None|"avg"|"max"` applied to a feature map, as in keras.applications."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    if pooling is not None:
        raise ValueError(f"pooling must be None, 'avg' or 'max', got {pooling!r}")
    return x
