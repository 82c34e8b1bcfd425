"""A classifier's fully connected top turned into convolutions, so that one pass over a large
image classifies every window at once.

A Dense layer reading a flattened h x w x c feature map is a convolution with an h x w kernel
whose weights are the Dense kernel reshaped to (h, w, c, units); the Dense layers after it are
1 x 1 convolutions. Run on an image larger than the classifier's input, the converted network
gives a map of score vectors, one per window position, the windows `stride` pixels apart, where
`stride` is the product of the network's strides: the convolutions of overlapping windows are
computed once and shared. This is LeCun et al.'s "space displacement neural network" (LeCun,
Bottou, Bengio & Haffner, Gradient-Based Learning Applied to Document Recognition, Proc. IEEE
1998, §VII.A: "replicated over the input field"), the "efficient sliding window by
convolution" of Sermanet et al. (OverFeat: Integrated Recognition, Localization and Detection
using Convolutional Networks, ICLR 2014, §3.5, Fig. 5) and the fully convolutional classifier of
Long, Shelhamer & Darrell (Fully Convolutional Networks for Semantic Segmentation, CVPR 2015,
§3.1).

The scores are exactly the classifier's on each window (see `sliding_geometry(...).exact`)
when every convolution and pooling is unpadded: a "same"-padded layer sees zeros at a crop's
border but the neighbouring pixels inside the large image.

    conv = dense_to_conv(classifier)          # (None, None, C) -> (H', W', classes)
    geometry = sliding_geometry(classifier)   # window, stride, exact
    scores = conv.predict(image[None])[0]
    x1, y1, x2, y2 = geometry.box(i, j)       # the window scored by scores[i, j]
"""

import dataclasses

import numpy as np

import keras

# Layers applied at each position of a feature map independently (channels last), as
# class name -> the config check that makes them so (None: always).
_POINTWISE = {
    "Activation": None, "ReLU": None, "LeakyReLU": None, "ELU": None, "Rescaling": None,
    "Dropout": None, "SpatialDropout2D": None, "GaussianDropout": None, "GaussianNoise": None,
    "Softmax": lambda config: config.get("axis", -1) in (-1, [-1]),
    "BatchNormalization": lambda config: config.get("axis", -1) in (-1, 3, [-1], [3]),
    "FusedBatchNormalization": lambda config: config.get("axis", -1) in (-1, 3, [-1], [3]),
    # kerasvision's own: LeNet-5's squashing function, LRN across channels (AlexNet §3.3),
    # the class-names identity, and LeNet-5's RBF output (a function of the channel vector).
    "ScaledTanh": None, "LocalResponseNormalization": None, "ClassNames": None,
    "EuclideanRBF": None,
    # A Dense layer on a feature map acts on the channel axis: a 1 x 1 convolution already.
    "Dense": None,
}
# Layers that slide a window over the map: class name -> (stride, padding, window side > 1).
_SLIDING = {
    "Conv2D": lambda c: (c["strides"], c["padding"], max(c["kernel_size"]) > 1),
    "DepthwiseConv2D": lambda c: (c["strides"], c["padding"], max(c["kernel_size"]) > 1),
    "SeparableConv2D": lambda c: (c["strides"], c["padding"], max(c["kernel_size"]) > 1),
    "MaxPooling2D": lambda c: (c["strides"] or c["pool_size"], c["padding"],
                               max(_pair(c["pool_size"])) > 1),
    "AveragePooling2D": lambda c: (c["strides"] or c["pool_size"], c["padding"],
                                   max(_pair(c["pool_size"])) > 1),
    "TrainableSubsampling": lambda c: (c["pool_size"], "valid", c["pool_size"] > 1),
    "PartiallyConnectedConv2D": lambda c: (1, c["padding"], max(_pair(c["kernel_size"])) > 1),
    # Pads the whole image once, not each window: scores differ near every window's border.
    "ZeroPadding2D": lambda c: (1, "same", True),
}
# Where the classifier's spatial map ends: the layer that removes the spatial axes.
_FLATTEN = "Flatten"
_GLOBAL_POOLING = {"GlobalAveragePooling2D": "AveragePooling2D",
                   "GlobalMaxPooling2D": "MaxPooling2D"}
# After the flatten, what acts on the feature vector alone (Dense becomes a convolution; a
# Flatten after global pooling has nothing left to flatten).
_VECTOR = {
    **{name: None for name in ("Dense", "Dropout", "GaussianDropout", "GaussianNoise",
                               "Activation", "ReLU", "LeakyReLU", "ELU", "ScaledTanh",
                               "ClassNames", "EuclideanRBF", _FLATTEN)},
    "Softmax": _POINTWISE["Softmax"],
    "BatchNormalization": lambda config: config.get("axis", -1) in (-1, [-1]),
    "FusedBatchNormalization": lambda config: config.get("axis", -1) in (-1, [-1]),
}


class UnsupportedLayerError(ValueError):
    """A layer (or a graph shape) that `dense_to_conv` cannot turn into a convolution."""


@dataclasses.dataclass(frozen=True)
class SlidingGeometry:
    """Where the converted network's score map looks in the image.

    Attributes:
        window: (height, width) of the classifier's input, the window each score covers.
        stride: (y, x) pixels between neighbouring score-map positions (the product of the
            network's strides).
        exact: whether each score equals the classifier's on its window (no padded layer).
        caveats: why not: the padded layers (near its border, a crop is padded with zeros
            where the image has pixels).
    """

    window: tuple
    stride: tuple
    exact: bool
    caveats: tuple = ()

    def box(self, i, j):
        """The window scored at map position (i, j): (x1, y1, x2, y2) pixels, ends exclusive."""
        y1, x1 = i * self.stride[0], j * self.stride[1]
        return (x1, y1, x1 + self.window[1], y1 + self.window[0])

    def boxes(self, map_height, map_width):
        """xyxy boxes (map_height * map_width, 4) of every map position, row-major, float32."""
        ys, xs = np.meshgrid(np.arange(map_height) * self.stride[0],
                             np.arange(map_width) * self.stride[1], indexing="ij")
        corners = np.stack([xs.ravel(), ys.ravel()], axis=-1)
        return np.concatenate([corners, corners + self.window[::-1]], -1).astype("float32")

    def map_size(self, height, width):
        """(H', W'): the positions of whole windows in a `height` x `width` image.

        The converted map of an unpadded network starts with these; it has one more row or
        column where a network drops a remainder (a stride that does not divide its input):
        that window reaches past the image, over pixels the classifier never reads.
        """
        return ((height - self.window[0]) // self.stride[0] + 1,
                (width - self.window[1]) // self.stride[1] + 1)


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def layer_chain(model):
    """The layers of `model` from its input to its output, nested models expanded.

    Raises:
        UnsupportedLayerError: the model has several inputs or outputs, or a layer that takes
            several tensors (a residual sum, a concatenation): the graph is not a chain.
    """
    if isinstance(model, keras.Sequential):
        layers = list(model.layers)
    else:
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            raise UnsupportedLayerError(
                f"{model.name}: one input and one output needed, got {len(model.inputs)} and "
                f"{len(model.outputs)}")
        layers, tensor, source = [], model.outputs[0], model.inputs[0]
        # Walk back from the output: each tensor was made by one layer from one tensor.
        while tensor is not source:
            operation, node_index, _ = tensor._keras_history
            node = operation._inbound_nodes[node_index]
            if len(node.input_tensors) != 1 or isinstance(operation, keras.layers.InputLayer):
                raise UnsupportedLayerError(
                    f"{model.name}: layer {operation.name!r} takes {len(node.input_tensors)} "
                    "inputs; only a chain of layers (no branches, no residual sums) converts")
            layers.append(operation)
            tensor = node.input_tensors[0]
        layers.reverse()
    chain = []
    for layer in layers:
        if isinstance(layer, keras.Model):
            chain += layer_chain(layer)
        elif not isinstance(layer, keras.layers.InputLayer):
            chain.append(layer)
    return chain


def _check(layer, allowed, where):
    """Raise UnsupportedLayerError unless `layer` is in `allowed` and passes its check."""
    kind = type(layer).__name__
    config = layer.get_config()
    check = allowed.get(kind, False)
    if check is False or (check is not None and not check(config)):
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({kind}) cannot be made convolutional {where}; supported "
            f"there: {', '.join(sorted(allowed))}")
    if config.get("data_format") not in (None, "channels_last"):
        raise UnsupportedLayerError(f"layer {layer.name!r} ({kind}): channels_last only")


def _split_at_flatten(chain):
    """(layers before the flatten, the flatten or global pooling, layers after it), checked."""
    for k, layer in enumerate(chain):
        kind = type(layer).__name__
        if kind == _FLATTEN or kind in _GLOBAL_POOLING:
            _check(layer, {_FLATTEN: None, **dict.fromkeys(_GLOBAL_POOLING)}, "")
            head, top = chain[:k], chain[k + 1:]
            for before in head:
                _check(before, {**_POINTWISE, **dict.fromkeys(_SLIDING)}, "before the flatten")
            for after in top:
                _check(after, _VECTOR, "after the flatten")
            return head, layer, top
    raise UnsupportedLayerError("no Flatten or global pooling layer: the classifier has no "
                                "fully connected top to convert")


def sliding_geometry(model):
    """The `SlidingGeometry` (window, stride, exactness) of `dense_to_conv(model)`."""
    head, _, _ = _split_at_flatten(layer_chain(model))
    window = tuple(int(d) for d in model.inputs[0].shape[1:3])
    stride, caveats = np.ones(2, int), []
    for layer in head:
        name = type(layer).__name__
        if name in _SLIDING:
            step, padding, wide = _SLIDING[name](layer.get_config())
            stride *= np.asarray(_pair(step), int)
            if padding != "valid" and wide:
                caveats.append(f"{layer.name} ({name}) pads its input")
    return SlidingGeometry(window, tuple(int(s) for s in stride), not caveats, tuple(caveats))


def _copy(layer, x, probe):
    """A new layer with `layer`'s config and weights, applied to `x` and to `probe`."""
    clone = type(layer).from_config(layer.get_config())
    x = clone(x)
    if probe is not None:
        probe = clone(probe)
    clone.set_weights(layer.get_weights())
    return x, probe


def dense_to_conv(model, name=None):
    """The fully convolutional twin of a classifier with a fully connected top.

    Args:
        model: a Sequential or functional chain (nested models allowed) of convolutions,
            poolings, activations, batch normalisation and dropout, then Flatten (or global
            pooling), then Dense layers with activations and dropout.
        name: the new model's name (default: `<model name>_convolutional`).

    Returns:
        A keras.Model from images `(B, H, W, C)` of any size at least the classifier's input to
        score maps `(B, H', W', classes)` (softmax over the channel axis if the classifier ends
        in one). Weights are copied: the two models do not share layers.

    Raises:
        UnsupportedLayerError: a layer that does not act position by position (a residual sum,
            a Reshape, an unknown layer), named in the message.
    """
    chain = layer_chain(model)
    head, flatten, top = _split_at_flatten(chain)
    shape = tuple(model.inputs[0].shape[1:])
    inputs = keras.Input((None, None, shape[-1]), name="image")
    # The probe runs the same layers on the classifier's own input size, to learn the size of
    # the feature map that the flatten saw.
    x, probe = inputs, keras.Input(shape)
    for layer in head:
        x, probe = _copy(layer, x, probe)
    fh, fw = (int(d) for d in probe.shape[1:3])
    pool = _GLOBAL_POOLING.get(type(flatten).__name__)
    if pool is not None:
        # Global pooling over a window's map is pooling of the window's size, stride 1.
        x = getattr(keras.layers, pool)((fh, fw), strides=1, name=flatten.name)(x)
        fh = fw = 1
    first_dense = True
    for layer in top:
        kind = type(layer).__name__
        if kind == _FLATTEN:
            continue  # after global pooling the map is already one vector per position
        if kind != "Dense":
            x, _ = _copy(layer, x, None)
            continue
        kernel, *bias = layer.get_weights()
        kh, kw = (fh, fw) if first_dense else (1, 1)
        config = layer.get_config()
        conv = keras.layers.Conv2D(layer.units, (kh, kw), activation=config["activation"],
                                   use_bias=layer.use_bias, name=layer.name)
        x = conv(x)
        # Keras flattens channels last in (row, column, channel) order: the Dense kernel's rows
        # are the convolution kernel's positions and input channels in that order.
        conv.set_weights([kernel.reshape(kh, kw, -1, layer.units), *bias])
        first_dense = False
    return keras.Model(inputs, x, name=name or f"{model.name}_convolutional")
