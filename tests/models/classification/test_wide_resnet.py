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


def test_stage_widths_replace_the_widening_factor_and_name_the_model():
    # Widening only the last stage (7×7 on Fashion-MNIST) adds the most parameters for the
    # fewest multiply-adds; 32/64/160 stays under issue 14's cap of a million parameters.
    model = build("wrn_16_2", input_shape=(28, 28, 1), classes=10, stage_widths=[32, 64, 160])
    assert model.name == "wrn_16_32-64-160"
    assert _conv_widths(model) == [32, 64, 160]
    # Computed: WRN-16-2's 693,210 plus the last stage's extra 32 channels.
    assert model.count_params() == 963_354


def test_stage_widths_need_three_channel_counts():
    with pytest.raises(ValueError, match="three channel counts"):
        build("wrn_16_2", input_shape=(16, 16, 3), classes=5, stage_widths=[16, 32])
