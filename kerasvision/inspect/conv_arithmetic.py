"""Output size of a convolution or pooling along one axis (Dumoulin & Visin, A guide to
convolution arithmetic for deep learning, 2016, relationship 15; the lecture's
"(N − F)/stride + 1").
"""


def conv_output_size(n, f, stride=1, padding=0, dilation=1):
    """(n + 2p − d(f − 1) − 1)/s + 1, the number of positions a filter takes along an axis.

    Raises:
        ValueError: when the filter does not fit, or when the stride does not tile the padded
            input exactly; the message names the strides that do.
    """
    for name, value in (("n", n), ("f", f), ("stride", stride), ("dilation", dilation)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if int(padding) != padding or padding < 0:
        raise ValueError(f"padding must be a non-negative integer, got {padding!r}")
    span = n + 2 * padding - dilation * (f - 1) - 1
    if span < 0:
        raise ValueError(f"a {f}-wide filter (dilation {dilation}) does not fit an input of "
                         f"{n} with padding {padding}")
    if span % stride:
        valid = [s for s in range(1, span + 1) if span % s == 0]
        raise ValueError(
            f"stride {stride} does not tile input {n} with filter {f}, padding {padding}, "
            f"dilation {dilation}: ({n} + 2*{padding} - {dilation}*({f} - 1) - 1)/{stride} + 1 "
            f"= {span / stride + 1:.2f}; strides that do: {', '.join(map(str, valid))}")
    return span // stride + 1
