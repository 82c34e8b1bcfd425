"""Pruning a fabric by its gates: the fraction of connections kept, the edges cut off with the
weak ones, the function kept where gates are zero, and the cost penalty carried over."""

import numpy as np
import pytest

import keras

from kerasvision.models import build
from kerasvision.models.multiscale import gate_penalty, prune

X = np.random.default_rng(1).uniform(size=(2, 16, 16, 3)).astype("float32")


def _fabric(**kwargs):
    # 3 layers x 3 scales: 1 + 2 + 2 x 7 + 2 = 19 edges.
    keras.utils.set_random_seed(0)
    return build("fabric", input_shape=(16, 16, 3), classes=4, num_layers=3, num_scales=3,
                 channels=2, **kwargs)


def _set(model, gates):
    for name, value in gates.items():
        model.get_layer(f"gate_{name}").gate.assign(value)


def test_weak_edges_go_and_the_fraction_kept_is_reported():
    model = _fabric()
    _set(model, {"l1s2_to_l2s3": 0.01, "l2s3_to_l3s2": -0.02})
    result = prune(model, threshold=0.05)
    assert sorted(result.weak) == ["l1s2_to_l2s3", "l2s3_to_l3s2"]
    assert result.cut_off == ()
    assert result.fraction_kept == pytest.approx(17 / 19)
    assert len(result.kept) == 17
    conv_names = {layer.name for layer in result.model.layers if layer.name.startswith("conv_")}
    assert conv_names == {f"conv_{name}" for name in result.kept}


def test_zero_gates_prune_without_changing_the_function():
    model = _fabric()
    for weight in model.weights:  # trained-looking BN statistics and biases
        if "gate" not in weight.path:
            weight.assign(np.random.default_rng(2).normal(scale=0.3, size=weight.shape)
                          + (1.0 if "variance" in weight.path else 0.0))
    _set(model, {"l1s2_to_l2s3": 0.0, "l2s3_to_l3s2": 0.0, "l2s1_to_l3s2": 0.0})
    result = prune(model, threshold=0.0)
    assert result.fraction_kept == pytest.approx(16 / 19)
    np.testing.assert_allclose(np.asarray(result.model(X)), np.asarray(model(X)), rtol=1e-5,
                               atol=1e-6)
    assert result.model.count_params() < model.count_params()
    # Closing the zipper edge (3,1) -> (3,2) as well leaves (3,1) feeding nothing, hence
    # (2,1) too: their inputs are cut off with them, 11 of 19 edges stay, same function.
    model.get_layer("gate_l3s1_to_l3s2").gate.assign(0.0)
    smaller = prune(model, threshold=0.0)
    assert sorted(smaller.cut_off) == ["l1s1_to_l2s1", "l1s2_to_l2s1", "l2s1_to_l3s1",
                                       "l2s2_to_l3s1"]
    assert smaller.fraction_kept == pytest.approx(11 / 19)
    np.testing.assert_allclose(np.asarray(smaller.model(X)), np.asarray(model(X)), rtol=1e-5,
                               atol=1e-6)


def test_edges_cut_off_by_the_weak_ones_go_too():
    model = _fabric()
    _set(model, {"l1s1_to_l1s2": 0.0, "l1s1_to_l2s1": 0.0})
    result = prune(model, threshold=0.0)
    # (1,2), (1,3), (2,1) and (2,3) lose every input; what they fed goes with them.
    assert sorted(result.kept) == ["input_to_l1s1", "l1s1_to_l2s2", "l2s2_to_l3s1",
                                   "l2s2_to_l3s2", "l2s2_to_l3s3", "l3s1_to_l3s2",
                                   "l3s2_to_l3s3"]
    assert len(result.cut_off) == 19 - 7 - 2
    assert result.fraction_kept == pytest.approx(7 / 19)
    # Pruning the pruned model again keeps what it has.
    again = prune(result.model, threshold=0.0)
    assert again.kept == result.kept and again.fraction_kept == 1.0


def test_cutting_every_path_is_refused():
    model = _fabric()
    _set(model, {"input_to_l1s1": 0.0})
    with pytest.raises(ValueError, match="read-out"):
        prune(model, threshold=0.0)


def test_segmentation_fabric_and_the_penalty_survive_pruning():
    keras.utils.set_random_seed(0)
    model = build("fabric_segmentation", input_shape=(16, 16, 3), num_layers=3, num_scales=3,
                  channels=2, budget_penalty=0.5)
    _set(model, {"l2s3_to_l3s3": 0.0})
    result = prune(model, threshold=0.0)
    assert result.model.output.shape[1:] == (16, 16, 3)
    # The zero gate contributed nothing to the penalty; every other gate keeps its strength.
    assert gate_penalty(result.model) == pytest.approx(gate_penalty(model), rel=1e-6)
