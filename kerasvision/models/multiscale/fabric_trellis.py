"""The trellis of a convolutional neural fabric (Saxena & Verbeek, Convolutional Neural Fabrics,
NIPS 2016, §3): which node receives which edge, the order nodes are computed in, the nodes an
edge list keeps alive, and what each edge costs. Pure Python; the Keras graph is in fabric.py.

Nodes are `(layer, scale)`, both from 1; scale s has 1/2^(s-1) of the input resolution. Edges
follow the authors' Caffe generator (github.com/shreyassaxena/convolutional-neural-fabrics,
MNIST/Generate_prototxt):

- layer 1: the input feeds node (1, 1); node (1, s) feeds (1, s + 1) by a stride-2 convolution,
  which fills the coarser scales (the "zipper" down the first column);
- layers 2..L: node (l, s) sums a convolution of (l − 1, s) (same scale), a stride-2
  convolution of (l − 1, s − 1) (the finer scale) and a convolution of (l − 1, s + 1)
  up-sampled 2× (the coarser scale);
- layer L also zips towards the read-out node: down to the coarsest scale for classification
  ((L, s − 1) → (L, s), strided), up to the finest for segmentation ((L, s + 1) → (L, s),
  up-sampled).
"""

import dataclasses
import math
import re

READOUTS = ("coarsest", "finest")  # classification, segmentation
_NODE = re.compile(r"l(\d+)s(\d+)")
_EDGE = re.compile(r"(input|l\d+s\d+)_to_(l\d+s\d+)")


def node_name(node):
    """`(layer, scale)` as `"l{layer}s{scale}"`, the prefix of the node's layer names."""
    return f"l{node[0]}s{node[1]}"


@dataclasses.dataclass(frozen=True)
class FabricEdge:
    """A 3×3 convolution from `source` (a node, or None for the input image) to `target`."""

    source: tuple
    target: tuple

    @property
    def name(self):
        source = "input" if self.source is None else node_name(self.source)
        return f"{source}_to_{node_name(self.target)}"

    @property
    def resampling(self):
        """"same" (stride 1), "down" (stride 2, from the finer scale) or "up" (2× up-sampled,
        from the coarser scale)."""
        if self.source is None or self.source[1] == self.target[1]:
            return "same"
        return "down" if self.source[1] < self.target[1] else "up"

    @classmethod
    def from_name(cls, name):
        """The edge named `name` (as `FabricEdge.name` writes it); None for another name."""
        match = _EDGE.fullmatch(name)
        if match is None:
            return None
        source, target = (None if part == "input" else
                          tuple(int(v) for v in _NODE.fullmatch(part).groups())
                          for part in match.groups())
        return cls(source, target)


def fabric_edges(num_layers, num_scales, readout):
    """Every edge of an L × S fabric reading out at its `readout` scale ("coarsest": node
    (L, S), for classification; "finest": node (L, 1), for segmentation)."""
    if readout not in READOUTS:
        raise ValueError(f"readout must be one of {READOUTS}, got {readout!r}")
    if num_layers < 2 or num_scales < 1:
        raise ValueError(f"a fabric needs at least 2 layers and 1 scale, got {num_layers} "
                         f"layers and {num_scales} scales")
    edges = [FabricEdge(None, (1, 1))]
    edges += [FabricEdge((1, s - 1), (1, s)) for s in range(2, num_scales + 1)]
    for layer in range(2, num_layers + 1):
        for s in range(1, num_scales + 1):
            edges.append(FabricEdge((layer - 1, s), (layer, s)))
            if s > 1:
                edges.append(FabricEdge((layer - 1, s - 1), (layer, s)))
            if s < num_scales:
                edges.append(FabricEdge((layer - 1, s + 1), (layer, s)))
    last = num_layers
    if readout == "coarsest":
        edges += [FabricEdge((last, s - 1), (last, s)) for s in range(2, num_scales + 1)]
    else:
        edges += [FabricEdge((last, s + 1), (last, s)) for s in range(num_scales - 1, 0, -1)]
    return edges


def readout_node(edges, readout):
    """The node the prediction is read from: the last layer's coarsest or finest node."""
    last = max(e.target[0] for e in edges)
    scales = [e.target[1] for e in edges if e.target[0] == last]
    return (last, max(scales) if readout == "coarsest" else min(scales))


def live_edges(edges, output):
    """The edges on some path from the input to `output`, in the order given.

    Removing edges can leave nodes without inputs, or nodes whose value reaches no output;
    their other edges would compute for nothing, so a pruned fabric drops them too.
    """
    fed = {None}
    changed = True
    while changed:
        changed = False
        for e in edges:
            if e.source in fed and e.target not in fed:
                fed.add(e.target)
                changed = True
    needed = {output}
    changed = True
    while changed:
        changed = False
        for e in edges:
            if e.target in needed and e.source not in needed and e.source in fed:
                needed.add(e.source)
                changed = True
    return [e for e in edges if e.source in fed and e.target in needed]


def node_order(edges):
    """The target nodes of `edges` in an order where every edge's source comes first."""
    pending = {e.target for e in edges}
    done, order = {None}, []
    while pending:
        ready = sorted(n for n in pending
                       if all(e.source in done for e in edges if e.target == n))
        if not ready:
            raise ValueError("the edges form a cycle or miss a source node")
        for n in ready:
            order.append(n)
            done.add(n)
            pending.discard(n)
    return order


def scale_sizes(side, num_scales):
    """Side of each scale's maps for an input side: "same" stride-2 convolutions round up."""
    sizes = [side]
    for _ in range(num_scales - 1):
        sizes.append(math.ceil(sizes[-1] / 2))
    return sizes


def edge_multiply_accumulates(edges, image_shape, channels):
    """`{edge name: multiply-accumulates per example}` of each edge's 3×3 convolution.

    Every convolution runs at its target's resolution (a strided one produces it, an
    up-sampled one reads the source enlarged to it): positions × 9 × C_in × C_out.

    Args:
        edges: the fabric's edges.
        image_shape: (H, W, C) of the input image.
        channels: channels of each scale, finest first.
    """
    height, width, image_channels = image_shape
    rows = scale_sizes(height, len(channels))
    columns = scale_sizes(width, len(channels))
    costs = {}
    for e in edges:
        scale = e.target[1]
        c_in = image_channels if e.source is None else channels[e.source[1] - 1]
        costs[e.name] = rows[scale - 1] * columns[scale - 1] * 9 * c_in * channels[scale - 1]
    return costs
