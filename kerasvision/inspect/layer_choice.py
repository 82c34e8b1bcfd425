"""Which layer to look at: by name, or the first/last convolution of a model."""

import keras


def is_convolution(layer):
    """A layer sliding a learned kernel over a feature map (Conv*, not transposed)."""
    name = type(layer).__name__
    return (hasattr(layer, "kernel_size") and "Transpose" not in name
            and any("kernel" in w.path.split("/")[-1] for w in layer.weights))


def conv_layers(model):
    """The model's top-level convolutions with a 4-D (image-like) output, in graph order."""
    return [layer for layer in model.layers
            if is_convolution(layer) and len(layer.output.shape) == 4]


def pick_layer(model, layer_name=None, default="last"):
    """The named top-level layer, else the model's `default` ("first"/"last") convolution."""
    if layer_name is not None:
        try:
            return model.get_layer(layer_name)
        except ValueError:
            names = ", ".join(layer.name for layer in model.layers)
            raise ValueError(f"model {model.name!r} has no top-level layer {layer_name!r}; "
                             f"it has: {names}") from None
    convs = conv_layers(model)
    if not convs:
        raise ValueError(f"model {model.name!r} has no convolutional layer with an image-like "
                         "output; name one with layer_name")
    return convs[0] if default == "first" else convs[-1]


def layer_probe(model, layer):
    """A model from `model`'s inputs to `layer`'s (first) output."""
    output = layer.output
    if isinstance(output, (list, tuple)):
        output = output[0]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, output, name=f"{model.name}_to_{layer.name}")
