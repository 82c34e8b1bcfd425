"""conv_output_size pins the lecture's worked examples (Karpathy/Johnson slides)."""

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kerasvision.inspect.conv_arithmetic import conv_output_size


def test_lecture_n7_f3_strides():
    assert conv_output_size(7, 3, stride=1) == 5
    assert conv_output_size(7, 3, stride=2) == 3
    with pytest.raises(ValueError, match=r"stride 3 .*2\.33.*strides that do: 1, 2, 4"):
        conv_output_size(7, 3, stride=3)


def test_padding_preserves_size():
    # "pad with 1 pixel border => 7x7 output"; F=5 pad 2 on 32 gives 32.
    assert conv_output_size(7, 3, padding=1) == 7
    assert conv_output_size(32, 5, stride=1, padding=2) == 32
    for f in (3, 5, 7):
        assert conv_output_size(32, f, padding=(f - 1) // 2) == 32


def test_dilation_enlarges_the_filter():
    # A 3-tap filter with dilation 4 spans 9 pixels: 17 - 9 + 1 = 9 positions.
    assert conv_output_size(17, 3, dilation=4) == 9


def test_filter_larger_than_input_and_bad_arguments():
    with pytest.raises(ValueError, match="does not fit"):
        conv_output_size(4, 7)
    with pytest.raises(ValueError, match="stride"):
        conv_output_size(7, 3, stride=0)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), f=st.integers(1, 7), stride=st.integers(1, 4),
       padding=st.integers(0, 3), dilation=st.integers(1, 3))
def test_agrees_with_keras_conv_shapes(n, f, stride, padding, dilation):
    span = n + 2 * padding - dilation * (f - 1) - 1
    if span < 0 or (stride > 1 and dilation > 1):  # Keras refuses stride and dilation together
        return
    conv = keras.layers.Conv1D(1, f, strides=stride, dilation_rate=dilation)
    keras_size = conv.compute_output_shape((None, n + 2 * padding, 1))[1]
    if span % stride:
        with pytest.raises(ValueError, match="strides that do"):
            conv_output_size(n, f, stride, padding, dilation)
        assert keras_size == span // stride + 1  # Keras silently drops the leftover pixels
    else:
        assert conv_output_size(n, f, stride, padding, dilation) == keras_size
