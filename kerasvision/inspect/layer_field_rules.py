"""How one layer changes the receptive field of its input (see receptive_field_geometry).

Layers are recognised by what they are (a window with kernel/stride/dilation/padding, a
transposed window, padding, cropping, upsampling, a collapse to a vector, a merge); layers
that act per position (BatchNormalization, activations, Dropout, Dense on a feature map, ...)
pass the field through. Channels-last throughout.
"""

from kerasvision.inspect.receptive_field_geometry import (
    collapsed, shifted, transposed, union, windowed)

_COLLAPSING = ("Flatten", "Reshape", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
               "GlobalAveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
               "GlobalMaxPooling3D")


def output_fields(layer, in_fields, in_shapes, out_shapes):
    """The ReceptiveField of each of `layer`'s outputs (None where unknown)."""
    field = in_fields[0] if in_fields else None
    if field is None or not field.axes:
        return [None if field is None else field for _ in out_shapes]
    rank = len(field.axes)
    if _family(layer) == "unpool":
        in_fields, in_shapes = in_fields[:1], in_shapes[:1]  # argmax and `like` add no field
    if len(in_fields) > 1:
        return [union(in_fields) for _ in out_shapes]
    name = type(layer).__name__
    in_shape, out_shape = in_shapes[0], out_shapes[0]
    spatial_in = tuple(in_shape[1:1 + rank]) if len(in_shape) == rank + 2 else None
    if any(a.jump is None for a in field.axes):
        return [field for _ in out_shapes]  # already a vector: everything after sees it all
    if name in _COLLAPSING or (len(out_shape) < len(in_shape) and spatial_in is not None):
        return [collapsed(field, spatial_in) for _ in out_shapes]
    rule = _RULES.get(_family(layer))
    if rule is not None:
        out = rule(layer, field, rank, spatial_in, out_shape)
        return [out for _ in out_shapes]
    spatial_out = tuple(out_shape[1:1 + rank]) if len(out_shape) == rank + 2 else None
    if spatial_out is None or spatial_in is None or (None not in spatial_in + spatial_out
                               and spatial_out != spatial_in):
        return [None for _ in out_shapes]  # changes the layout in a way not known here
    return [field for _ in out_shapes]  # acts per position (normalisation, activation...)


def _family(layer):
    name = type(layer).__name__
    if name in ("MaxUnpooling2D",):
        return "unpool"
    if name.startswith("UpSampling"):
        return "upsample"
    if name.startswith("ZeroPadding"):
        return "pad"
    if name.startswith("Cropping"):
        return "crop"
    if "Transpose" in name and hasattr(layer, "kernel_size"):
        return "transpose"
    if hasattr(layer, "kernel_size") or hasattr(layer, "pool_size"):
        return "window"
    return None


def _per_axis(value, rank):
    if value is None:
        return (1,) * rank
    if isinstance(value, int):
        return (value,) * rank
    value = tuple(value)
    return value * rank if len(value) == 1 else value


def _same_pad_before(n, k_eff, s):
    # TensorFlow's SAME: total = max((⌈n/s⌉ − 1)s + k_eff − n, 0), the smaller half first.
    if n is None:
        total = k_eff - 1 if s == 1 else max(k_eff - s, 0)  # n assumed a multiple of s
    else:
        total = max((-(-n // s) - 1) * s + k_eff - n, 0)
    return total // 2


def _window(layer, field, rank, spatial_in, out_shape):
    kernel = _per_axis(getattr(layer, "kernel_size", None) or layer.pool_size, rank)
    # A pooling layer's stride defaults to its window, a convolution's to 1.
    default_stride = kernel if not hasattr(layer, "kernel_size") else (1,) * rank
    stride = _per_axis(getattr(layer, "strides", None) or default_stride, rank)
    dilation = _per_axis(getattr(layer, "dilation_rate", 1), rank)
    padding = str(getattr(layer, "padding", "valid")).lower()
    spatial_in = spatial_in or (None,) * rank
    pads = []
    for n, k, s, d in zip(spatial_in, kernel, stride, dilation):
        k_eff = d * (k - 1) + 1
        pads.append({"same": _same_pad_before(n, k_eff, s), "causal": k_eff - 1}.get(padding, 0))
    return windowed(field, kernel, stride, dilation, pads)


def _transpose(layer, field, rank, spatial_in, out_shape):
    kernel = _per_axis(layer.kernel_size, rank)
    stride = _per_axis(layer.strides, rank)
    dilation = _per_axis(getattr(layer, "dilation_rate", 1), rank)
    pads = []
    for i, (k, s, d) in enumerate(zip(kernel, stride, dilation)):
        k_eff = d * (k - 1) + 1
        n_in = spatial_in[i] if spatial_in else None
        n_out = out_shape[1 + i] if len(out_shape) == rank + 2 else None
        if str(layer.padding).lower() != "same":
            pads.append(0)
        elif n_in is None or n_out is None:
            pads.append(max(k_eff - s, 0) // 2)
        else:
            # The transposed convolution is the gradient of a SAME convolution from n_out.
            pads.append(max((n_in - 1) * s + k_eff - n_out, 0) // 2)
    return transposed(field, kernel, stride, dilation, pads)


def _upsample(layer, field, rank, spatial_in, out_shape):
    size = _per_axis(layer.size, rank)
    if getattr(layer, "interpolation", "nearest") == "nearest":
        return transposed(field, size, size, (1,) * rank, (0,) * rank)
    # Bilinear reads the two nearest input units: FCN's kernel 2s − s mod 2 (Long et al. 2015).
    kernel = tuple(2 * s - s % 2 for s in size)
    return transposed(field, kernel, size, (1,) * rank,
                      tuple((k - s) // 2 for k, s in zip(kernel, size)))


def _unpool(layer, field, rank, spatial_in, out_shape):
    size = _per_axis(layer.size, rank)
    return transposed(field, size, size, (1,) * rank, (0,) * rank)


def _before_amounts(value, rank):
    if isinstance(value, int):
        return (value,) * rank
    value = tuple(value)
    if rank == 1:
        return (value[0],)
    return tuple(v[0] if isinstance(v, (tuple, list)) else v for v in value)


def _pad(layer, field, rank, spatial_in, out_shape):
    return shifted(field, tuple(-p for p in _before_amounts(layer.padding, rank)))


def _crop(layer, field, rank, spatial_in, out_shape):
    return shifted(field, _before_amounts(layer.cropping, rank))


_RULES = {"window": _window, "transpose": _transpose, "upsample": _upsample,
          "unpool": _unpool, "pad": _pad, "crop": _crop}
