"""GoogLeNet against Table 1 of Szegedy et al. 2015."""

import numpy as np
import pytest

from kerasvision.models import build

# Output channels of each Inception module (Table 1, "depth" column sums).
CHANNELS = {"3a": 256, "3b": 480, "4a": 512, "4b": 512, "4c": 512, "4d": 528, "4e": 832,
            "5a": 832, "5b": 1024}


@pytest.fixture(scope="module")
def with_aux():
    return build("googlenet", aux_logits=True)


def test_module_widths_and_sizes(with_aux):
    for key, channels in CHANNELS.items():
        shape = with_aux.get_layer(f"inception_{key}_output").output.shape
        size = {"3": 28, "4": 14, "5": 7}[key[0]]
        assert tuple(shape[1:]) == (size, size, channels)


def test_counts_with_and_without_auxiliary_heads(with_aux):
    assert build("googlenet").count_params() == 6_998_552
    assert with_aux.count_params() == 13_378_280
    assert with_aux.get_layer("aux1_pool").output.shape[1:3] == (4, 4)  # 5×5/3 on 14×14
    assert with_aux.get_layer("aux2_fc").kernel.shape == (4 * 4 * 128, 1024)


def test_three_outputs_and_errors():
    model = build("googlenet", aux_logits=True, input_shape=(28, 28, 1), classes=10,
                  width=1 / 16)
    outs = model(np.zeros((2, 28, 28, 1), "float32"))
    assert len(outs) == 3 and all(o.shape == (2, 10) for o in outs)
    np.testing.assert_allclose(np.sum(np.asarray(outs[1]), -1), 1.0, rtol=1e-5)
    single = build("googlenet", input_shape=(32, 32, 3), classes=10, width=1 / 16)
    assert len(single.outputs) == 1
    with pytest.raises(ValueError, match="include_top"):
        build("googlenet", aux_logits=True, include_top=False)
