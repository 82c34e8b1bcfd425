"""The fabric's trellis (Saxena & Verbeek, NIPS 2016, §3; the authors' generator): edges per
node, the first and last columns, pruning's reachability, sizes and edge costs."""

import pytest

from kerasvision.models.multiscale.fabric_trellis import (FabricEdge, edge_multiply_accumulates,
                                                          fabric_edges, live_edges, node_order,
                                                          readout_node, scale_sizes)


def _count(num_layers, num_scales):
    # input + first-column zipper + (L-1) layers of 3S-2 edges + last-column zipper
    return 1 + (num_scales - 1) + (num_layers - 1) * (3 * num_scales - 2) + (num_scales - 1)


@pytest.mark.parametrize("readout", ["coarsest", "finest"])
@pytest.mark.parametrize("layers,scales", [(9, 6), (2, 6), (4, 3), (3, 1)])
def test_edge_count_and_names_are_unique(layers, scales, readout):
    edges = fabric_edges(layers, scales, readout)
    assert len(edges) == _count(layers, scales)
    assert len({e.name for e in edges}) == len(edges)
    assert all(FabricEdge.from_name(e.name) == e for e in edges)


def test_the_demo_fabric_has_139_edges_and_inner_nodes_three_inputs():
    edges = fabric_edges(9, 6, "coarsest")
    assert len(edges) == 139
    into = {}
    for e in edges:
        into.setdefault(e.target, []).append(e.resampling)
    assert sorted(into[(5, 3)]) == ["down", "same", "up"]  # an inner node
    assert sorted(into[(5, 1)]) == ["same", "up"]  # finest: no finer scale
    assert sorted(into[(5, 6)]) == ["down", "same"]  # coarsest: no coarser scale
    assert into[(1, 1)] == ["same"] and into[(1, 4)] == ["down"]  # first column
    # The last column zips down: (9, 4) also receives (9, 3), strided.
    assert sorted(into[(9, 4)]) == ["down", "down", "same", "up"]
    assert FabricEdge((9, 3), (9, 4)) in edges
    assert readout_node(edges, "coarsest") == (9, 6)


def test_segmentation_zips_up_to_the_finest_node():
    edges = fabric_edges(4, 3, "finest")
    assert FabricEdge((4, 2), (4, 1)) in edges and FabricEdge((4, 3), (4, 2)) in edges
    assert FabricEdge((4, 1), (4, 2)) not in edges
    assert readout_node(edges, "finest") == (4, 1)
    order = node_order(edges)
    assert order.index((4, 3)) < order.index((4, 2)) < order.index((4, 1))


def test_live_edges_drop_what_no_longer_links_input_and_output():
    edges = fabric_edges(3, 3, "coarsest")
    cut = {"l1s1_to_l1s2", "l1s1_to_l2s1"}
    kept = live_edges([e for e in edges if e.name not in cut], (3, 3))
    assert [e.name for e in kept] == [
        "input_to_l1s1", "l1s1_to_l2s2", "l2s2_to_l3s1", "l2s2_to_l3s2", "l2s2_to_l3s3",
        "l3s1_to_l3s2", "l3s2_to_l3s3"]


def test_sizes_round_up_and_costs_are_counted_at_the_target():
    assert scale_sizes(32, 6) == [32, 16, 8, 4, 2, 1]
    assert scale_sizes(28, 6) == [28, 14, 7, 4, 2, 1]
    costs = edge_multiply_accumulates(fabric_edges(3, 3, "coarsest"), (16, 16, 3), (2, 4, 8))
    assert costs["input_to_l1s1"] == 16 * 16 * 9 * 3 * 2
    assert costs["l1s1_to_l2s2"] == 8 * 8 * 9 * 2 * 4  # strided: at the coarser target
    assert costs["l2s2_to_l3s1"] == 16 * 16 * 9 * 4 * 2  # up-sampled: at the finer target
