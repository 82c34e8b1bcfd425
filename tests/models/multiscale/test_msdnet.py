"""MSDNet for CIFAR (Huang et al., ICLR 2018, §4-5; the authors' anytime recipe: 10 blocks, base
4, step 2): widths of the three scales layer by layer, where scales are dropped, the named
exits, and the loss as the unweighted sum of the exits' cross-entropies."""

import numpy as np
import pytest

import keras

from kerasvision.models import build, build_tiny
from kerasvision.models.contracts import contract_for
from kerasvision.models.multiscale.msdnet import layer_schedule, scales_of_layer
from kerasvision.registry import get_spec


@pytest.fixture(scope="module")
def cifar():
    keras.utils.set_random_seed(0)
    return build("msdnet")


def _width(model, name):
    return model.get_layer(name).output.shape[-1]


def test_schedule_and_scale_pruning():
    schedule = layer_schedule(10, 4, 2, "even")
    assert schedule == [4] + [2] * 9 and sum(schedule) == 22
    # ceil(22 / 3) = 8 layers per scale: 3 scales out for layers 1-8, 2 for 9-16, 1 after.
    assert [scales_of_layer(n, 22, 3)[1] for n in range(1, 23)] == [3] * 8 + [2] * 8 + [1] * 6
    dropping = [n for n in range(1, 23) if scales_of_layer(n, 22, 3)[0] >
                scales_of_layer(n, 22, 3)[1]]
    assert dropping == [9, 17]
    assert layer_schedule(5, 1, 1, "lin_grow") == [1, 2, 3, 4, 5]


@pytest.mark.slow  # the full 22-layer network with its 10 exits
def test_widths_grow_by_6_12_24_and_halve_at_transitions(cifar):
    # First layer: 16, 32, 64 channels at 32x32, 16x16, 8x8.
    assert [cifar.get_layer(f"first_s{s}_relu").output.shape[1:] for s in (1, 2, 3)] == \
        [(32, 32, 16), (16, 16, 32), (8, 8, 64)]
    assert [_width(cifar, f"layer1_s{s}_out") for s in (1, 2, 3)] == [22, 44, 88]
    assert [_width(cifar, f"layer8_s{s}_out") for s in (1, 2, 3)] == [64, 128, 256]
    # Layer 9 drops the finest scale: 70 units, halved to 35 by the transition.
    assert [_width(cifar, f"layer9_s{s}_out") for s in (2, 3)] == [140, 280]
    assert [_width(cifar, f"transition9_s{s}_relu") for s in (2, 3)] == [70, 140]
    assert _width(cifar, "layer22_s3_out") == 4 * 71  # 35 + 8x6 = 83 -> 41, + 5x6 = 71
    # The diagonal connection: a strided convolution from the finer scale.
    assert cifar.get_layer("layer5_s2_down_conv").strides == (2, 2)
    assert cifar.get_layer("layer5_s2_down_bottleneck_conv").filters == min(16 + 4 * 6, 6)
    with pytest.raises(ValueError):
        cifar.get_layer("layer10_s1_out")


@pytest.mark.slow
def test_one_named_softmax_exit_per_block_reading_the_coarsest_scale(cifar):
    assert cifar.output_names == [f"exit_{k}" for k in range(1, 11)]
    assert all(o.shape[1:] == (10,) for o in cifar.outputs)
    assert cifar.get_layer("exit_1_conv1_conv").input.shape[1:] == (8, 8, 4 * 40)
    assert cifar.get_layer("exit_1").activation.__name__ == "softmax"
    out = cifar(np.zeros((2, 32, 32, 3), "float32"))
    assert len(out) == 10 and all(np.allclose(np.asarray(o).sum(-1), 1) for o in out)


def test_loss_is_the_unweighted_sum_of_the_exits_cross_entropies():
    keras.utils.set_random_seed(0)
    spec = get_spec("msdnet")
    model = build_tiny("msdnet")
    contract = contract_for(spec)
    contract.compile(model)
    rng = np.random.default_rng(0)
    x, y = contract.example_batch(model, 4, rng)
    assert model.output_names == ["exit_1", "exit_2", "exit_3"]
    assert len(y) == 3  # one target per exit
    pred = model(x, training=False)
    total = float(np.asarray(model.compute_loss(x=x, y=y, y_pred=pred)))
    each = [float(np.mean(np.asarray(keras.losses.sparse_categorical_crossentropy(t, p))))
            for t, p in zip(y, pred)]
    assert total == pytest.approx(sum(each), rel=1e-5)
