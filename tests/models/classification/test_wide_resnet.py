"""Wide residual networks: stage widths, fractional widening factors, names."""

import pytest

from kerasvision.registry import build


def _conv_widths(model):
    return [model.get_layer(f"stage{s}_unit1_conv1").filters for s in (1, 2, 3)]


def test_whole_width_gives_16k_32k_64k_channels():
    model = build("wrn_16_2", input_shape=(28, 28, 1), classes=10)
    assert model.name == "wrn_16_2"
    assert _conv_widths(model) == [32, 64, 128]


def test_fractional_width_rounds_the_stage_widths_and_names_the_model():
    # 2.25 × (16, 32, 64) = 36/72/144: the widest WRN-16 under a million parameters
    # (issue 14's cap) with whole multiples of four channels.
    model = build("wrn_16_2", input_shape=(28, 28, 1), classes=10, width=2.25)
    assert model.name == "wrn_16_2.25"
    assert _conv_widths(model) == [36, 72, 144]
    assert model.count_params() < 1_000_000
    assert model.count_params() > build("wrn_16_2", input_shape=(28, 28, 1),
                                        classes=10).count_params()


def test_a_width_with_no_channel_is_refused():
    with pytest.raises(ValueError, match="at least one channel"):
        build("wrn_16_2", input_shape=(16, 16, 3), classes=5, width=0.01)
