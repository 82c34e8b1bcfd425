"""conv_output_size agrees with the output length of a real TensorFlow convolution."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kerasvision.inspect.conv_arithmetic import conv_output_size


def real_conv_length(n, f, stride, padding, dilation):
    """Output length of tf.nn.conv1d on an input of `n`, zero-padded by `padding` each side.

    The dilated filter is written out (zeros between taps) because TensorFlow refuses
    stride > 1 together with dilation > 1.
    """
    import tensorflow as tf

    taps = np.zeros(dilation * (f - 1) + 1, np.float32)
    taps[::dilation] = 1.0
    signal = tf.pad(tf.ones((1, n, 1)), [[0, 0], [padding, padding], [0, 0]])
    return int(tf.nn.conv1d(signal, taps.reshape(-1, 1, 1), stride, "VALID").shape[1])


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 64), f=st.integers(1, 9), stride=st.integers(1, 5),
       padding=st.integers(0, 4), dilation=st.integers(1, 4))
def test_conv_output_size_matches_a_real_convolution(n, f, stride, padding, dilation):
    span = n + 2 * padding - dilation * (f - 1) - 1
    if span < 0:  # the filter does not fit: both refuse
        with pytest.raises(ValueError, match="does not fit"):
            conv_output_size(n, f, stride, padding, dilation)
        return
    length = real_conv_length(n, f, stride, padding, dilation)
    if span % stride:
        # TensorFlow silently drops the last input positions; conv_output_size says so.
        assert (length - 1) * stride + dilation * (f - 1) + 1 < n + 2 * padding
        with pytest.raises(ValueError, match="does not tile"):
            conv_output_size(n, f, stride, padding, dilation)
    else:
        assert conv_output_size(n, f, stride, padding, dilation) == length
