"""Pruning a fabric's weak edges: the fabric is rebuilt without every edge whose gate is at or
below a threshold in magnitude (and without the edges this leaves cut off from the input or
the read-out), and the kept layers take the trained weights. Switching edges off by their
gates is how a fabric picks one architecture out of those it embeds (Saxena & Verbeek, NIPS
2016, §3; Veniat & Denoyer, CVPR 2018)."""

import dataclasses

import keras

from kerasvision.models.multiscale.fabric_layout import builder_arguments, fabric_layout
from kerasvision.models.multiscale.fabric_trellis import live_edges, readout_node
from kerasvision.registry import get_spec


@dataclasses.dataclass(frozen=True)
class PrunedFabric:
    """What `prune` returns.

    Attributes:
        model: the rebuilt fabric, trained weights copied.
        kept: names of the edges it keeps.
        weak: names of the edges whose gate was at or below the threshold.
        cut_off: names of other edges removed because no path through them links the input
            to the read-out any more.
        fraction_kept: kept edges / edges of the fabric given.
    """

    model: object
    kept: tuple
    weak: tuple
    cut_off: tuple
    fraction_kept: float


def prune(model, threshold):
    """`model` rebuilt without the edges whose |gate| <= `threshold` (a PrunedFabric).

    A gate exactly 0 makes an edge contribute nothing, so pruning such edges leaves the
    function unchanged, and a small non-zero gate changes it by what that edge carried. The
    edges cut off with them go too: a node left without inputs still emitted a constant (the
    batch normalisation of a zero sum, 0 before training), which its edges no longer add.

    Raises:
        ValueError: for a fabric without gates, or when no path from input to read-out stays.
    """
    layout = fabric_layout(model)
    if not layout.gates:
        raise ValueError(f"{model.name!r} has no edge gates to prune by")
    weak = tuple(e.name for e in layout.edges if abs(layout.gates[e.name]) <= threshold)
    strong = [e for e in layout.edges if e.name not in set(weak)]
    output = readout_node(layout.edges, layout.readout)
    kept = live_edges(strong, output)
    if not any(e.target == output for e in kept):
        raise ValueError(f"pruning at {threshold} cuts every path from the input to the "
                         "read-out node")
    kept_names = tuple(e.name for e in kept)
    cut_off = tuple(e.name for e in strong if e.name not in set(kept_names))
    builder, arguments = builder_arguments(model, layout)
    arguments["removed_edges"] = tuple(arguments["removed_edges"]) + weak + cut_off
    arguments["budget_penalty"] = _budget_penalty(model, layout)
    pruned = get_spec(builder).builder(**arguments)  # `name` is an argument too
    for layer in pruned.layers:
        if layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    return PrunedFabric(pruned, kept_names, weak, cut_off,
                        len(kept_names) / len(layout.edges))


def _budget_penalty(model, layout):
    """λ of the gates' cost penalty, read back from one gate's L1 strength and its share."""
    from kerasvision.models.multiscale.fabric import cost_shares
    from kerasvision.models.multiscale.fabric_trellis import fabric_edges

    for e in layout.edges:
        regularizer = model.get_layer(f"gate_{e.name}").gate_regularizer
        if isinstance(regularizer, keras.regularizers.L1):
            every = fabric_edges(layout.num_layers, layout.num_scales, layout.readout)
            share = cost_shares(every, layout.image_shape[-1], layout.channels)[e.name]
            return float(regularizer.l1) / share
    return 0.0
