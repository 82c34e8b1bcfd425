"""Which layer to look at: by name, or the first/last convolution of a model, or the deepest
convolution whose units see a part of the image (for top patches)."""

import keras

# A patch layer's receptive field may cover at most this fraction of the input's shorter
# side. Units that see (nearly) the whole image give top "patches" that are whole images,
# all alike; two thirds leaves a part of the object in each patch and several positions to
# choose from. On the shipped 28x28 WRN-16-2 it picks stage2_unit1_conv2 (field 17), the
# layer its model card shows; the next convolution sees 21 of 28 pixels.
PATCH_FIELD_FRACTION = 2 / 3


class UnknownLayerError(ValueError):
    """A layer name the model does not have (a usage error: exit code 2 on the CLI)."""

    usage_error = True


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
            names = ", ".join(layer.name for layer in conv_layers(model)) or ", ".join(
                layer.name for layer in model.layers)
            raise UnknownLayerError(f"model {model.name!r} has no top-level layer "
                                    f"{layer_name!r}; its convolutions: {names}") from None
    convs = conv_layers(model)
    if not convs:
        raise ValueError(f"model {model.name!r} has no convolutional layer with an image-like "
                         "output; name one with layer_name")
    return convs[0] if default == "first" else convs[-1]


def patch_layer(model, image_size):
    """The deepest convolution whose receptive field fits `PATCH_FIELD_FRACTION` of the
    input's shorter side (`image_size` (height, width)); the first convolution if none does."""
    from kerasvision.inspect.model_trace import trace_model

    convs = conv_layers(model)
    if not convs:
        return pick_layer(model, None)  # raises the no-convolution error
    limit = PATCH_FIELD_FRACTION * min(image_size)
    fields = {trace.name: trace.field for trace in trace_model(model)}
    fitting = [layer for layer in convs
               if fields.get(layer.name) is not None and len(fields[layer.name].size) == 2
               and max(fields[layer.name].size) <= limit]
    return fitting[-1] if fitting else convs[0]


def layer_probe(model, layer):
    """A model from `model`'s inputs to `layer`'s (first) output."""
    output = layer.output
    if isinstance(output, (list, tuple)):
        output = output[0]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, output, name=f"{model.name}_to_{layer.name}")
