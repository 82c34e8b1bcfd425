"""The cost of a fabric's edges and the cost-aware penalty on its gates (after Veniat & Denoyer,
CVPR 2018): MACs per edge agree with kerasvision.inspect; the penalty is λ Σ share_e |g_e|;
the expected cost is linear in the gates and matches the pruned fabric's cost."""

import numpy as np
import pytest

import keras

from kerasvision.inspect.layer_summary import layer_table
from kerasvision.models import build
from kerasvision.models.multiscale import (edge_costs, expected_multiply_accumulates,
                                           gate_penalty, prune)


def _fabric(**kwargs):
    keras.utils.set_random_seed(0)
    return build("fabric", input_shape=(16, 16, 3), classes=4, num_layers=3, num_scales=3,
                 channels=2, **kwargs)


def test_edge_costs_match_the_layer_table_macs():
    model = _fabric()
    table = {row["name"]: row["macs"] for row in layer_table(model)}
    costs = edge_costs(model)
    assert costs == {name: table[f"conv_{name}"] for name in costs}
    assert costs["input_to_l1s1"] == 16 * 16 * 9 * 3 * 2
    assert expected_multiply_accumulates(model) == sum(costs.values())


def test_expected_cost_is_linear_in_the_gates_and_clipped_at_one():
    model = _fabric()
    costs = edge_costs(model)
    half = {name: 0.5 for name in costs}
    assert expected_multiply_accumulates(model, half) == pytest.approx(sum(costs.values()) / 2)
    one_off = {"l1s2_to_l2s2": 0.0, "l2s1_to_l3s1": -3.0}
    assert expected_multiply_accumulates(model, one_off) == \
        sum(costs.values()) - costs["l1s2_to_l2s2"]


def test_pruned_cost_equals_the_expected_cost_of_binary_gates():
    model = _fabric()
    gates = {"l1s2_to_l2s2": 0.0, "l2s3_to_l3s2": 0.0}  # cuts no node off
    expected = expected_multiply_accumulates(model, gates)
    for name, value in gates.items():
        model.get_layer(f"gate_{name}").gate.assign(value)
    pruned = prune(model, threshold=0.0).model
    assert sum(edge_costs(pruned).values()) == expected


def test_penalty_is_the_cost_weighted_l1_of_the_gates():
    model = _fabric(budget_penalty=0.1)
    costs = edge_costs(model)
    shares = {name: cost / sum(costs.values()) for name, cost in costs.items()}  # 16 | 16x16
    # All gates open: the penalty is λ (the shares sum to one), and Keras collects it.
    assert gate_penalty(model) == pytest.approx(0.1)
    assert float(sum(np.asarray(loss) for loss in model.losses)) == pytest.approx(0.1)
    model.get_layer("gate_input_to_l1s1").gate.assign(-0.5)
    model.get_layer("gate_l2s2_to_l3s3").gate.assign(0.0)
    want = 0.1 * (1 - 0.5 * shares["input_to_l1s1"] - shares["l2s2_to_l3s3"])
    assert gate_penalty(model) == pytest.approx(want, rel=1e-6)
    assert _fabric().losses == []  # no penalty unless asked


def test_a_short_fit_with_a_strong_penalty_closes_gates_costliest_first():
    model = _fabric(budget_penalty=10.0)
    model.compile(optimizer=keras.optimizers.SGD(0.05),
                  loss=keras.losses.SparseCategoricalCrossentropy())
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(8, 16, 16, 3)).astype("float32")
    y = rng.integers(0, 4, size=(8,))
    before = gate_penalty(model)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert gate_penalty(model) < 0.9 * before
    gates = {layer.name[5:]: float(np.asarray(layer.gate)) for layer in model.layers
             if layer.name.startswith("gate_")}
    costs = edge_costs(model)
    costliest, cheapest = max(costs, key=costs.get), min(costs, key=costs.get)
    assert gates[costliest] < gates[cheapest]
