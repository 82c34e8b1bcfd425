"""conv_output_size pins the lecture's worked examples (Karpathy/Johnson slides)."""

import pytest

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
