"""What a fabric's edges cost, and the cost-aware penalty on its gates, in the spirit of
Veniat & Denoyer (Learning Time/Memory-Efficient Deep Architectures with Budgeted Super
Networks, CVPR 2018): the fabric is a super network, each edge's gate decides whether the edge
is part of the chosen architecture, and the training loss adds a term that grows with the cost
of the edges kept.

Here the gates are deterministic scalars (fabric.py). The penalty is λ Σ_e share_e |g_e|, an
L1 penalty on each gate weighted by its edge's share of the fabric's multiply-accumulates, put
on the gates as Keras regularizers by `fabric(..., budget_penalty=λ)` (so `model.losses`
carries it and `fit` minimises it). Reading |g_e|, clipped to [0, 1], as the probability that
edge e is computed, the expected cost is Σ_e p_e cost_e: `expected_multiply_accumulates`.
It counts every edge on its own; an edge whose nodes are cut off by other closed gates costs
nothing after `prune`, so it bounds the pruned fabric's cost from above and equals it when no
node is cut off.

Costs are multiply-accumulates per example (the "FLOPs" of Veniat & Denoyer and of MSDNet are
multiply-adds), of the edges' 3×3 convolutions; batch normalisation, up-sampling and the 1×1
head are not counted.
"""

import numpy as np

from kerasvision.models.multiscale.fabric_layout import fabric_layout
from kerasvision.models.multiscale.fabric_trellis import edge_multiply_accumulates


def edge_costs(model, image_shape=None):
    """`{edge name: multiply-accumulates per example}` of a built fabric's edges.

    Args:
        model: a fabric.
        image_shape: (H, W, C) to count at, where the model's input sides are unknown.
    """
    layout = fabric_layout(model)
    shape = tuple(image_shape) if image_shape is not None else layout.image_shape
    if None in shape:
        raise ValueError(f"{model.name!r} takes inputs of any size; give image_shape")
    return edge_multiply_accumulates(layout.edges, shape, layout.channels)


def expected_multiply_accumulates(model, gates=None, image_shape=None):
    """Σ_e p_e × cost_e with p_e = min(|g_e|, 1): the expected cost of the fabric's edges.

    Args:
        model: a fabric.
        gates: `{edge name: gate value}` (edges not named keep the model's own value, and a
            fabric without gates counts 1 for each edge); None: the model's gates.
        image_shape: as for `edge_costs`.
    """
    layout = fabric_layout(model)
    values = {e.name: 1.0 for e in layout.edges}
    values.update(layout.gates)
    values.update(gates or {})
    costs = edge_costs(model, image_shape)
    return float(sum(min(abs(values[name]), 1.0) * cost for name, cost in costs.items()))


def gate_penalty(model):
    """The cost penalty its gates add to the loss: the sum of the gates' regularization
    losses (0.0 for a fabric built without `budget_penalty`)."""
    names = {f"gate_{e.name}" for e in fabric_layout(model).edges}
    total = 0.0
    for layer in model.layers:
        if layer.name in names and layer.gate_regularizer is not None:
            total += float(np.asarray(layer.gate_regularizer(layer.gate)))
    return total
