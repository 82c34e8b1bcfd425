"""Convolutional neural fabrics (Saxena & Verbeek, Convolutional Neural Fabrics, NIPS 2016).

A fabric is a trellis of L layers × S scales (§3, Fig. 1): every node is batch normalisation and
a ReLU of the sum of up to three 3×3 convolutions of the previous layer's nodes at the same,
the next finer (stride 2) and the next coarser scale (up-sampled 2× first); the trellis and its
first and last columns are described in fabric_trellis.py. A chain CNN, an encoder-decoder
and a U-Net-like network with convolved skips are sub-graphs: switching the other edges off
gives them back (tests/models/multiscale/test_fabric_subgraphs.py).

Every edge carries an `EdgeGate`, a learned scalar (initially 1), so that a cost penalty can
switch edges off (fabric_budget.py, after Veniat & Denoyer, CVPR 2018) and `prune` can rebuild
the fabric without them (fabric_pruning.py). `gates=False` builds the paper's fabric as is.

The paper's experiments use constant channels across scales; the authors' MNIST demo
(github.com/shreyassaxena/convolutional-neural-fabrics, MNIST/demo_mnist.txt) builds 6 scales
(32×32 down to 1×1) × 9 layers × 27 channels, which are the defaults here. Choices the paper
leaves open follow that generator: convolutions have biases; a node with one input skips the
sum; classification reads class scores by a 1×1 convolution at the coarsest node of the last
layer. Up-sampling is nearest-neighbour (the authors' Caffe "unpooling" without switches), and
where an odd side makes it one pixel too large (7 → 4 → 8), the extra row or column is cropped.
"""

from keras import Model, layers

from kerasvision.layers.edge_gate import EdgeGate
from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
from kerasvision.models.applications_signature import applications_builder
from kerasvision.models.image_input import image_input, pooled_features
from kerasvision.models.multiscale.fabric_trellis import (edge_multiply_accumulates,
                                                          fabric_edges, live_edges, node_name,
                                                          node_order, readout_node,
                                                          scale_sizes)
from kerasvision.registry import register_model

PAPER = "Saxena & Verbeek, Convolutional Neural Fabrics, NIPS 2016"
# The authors' MNIST demo: 6 scales (32 ... 1 pixels) x 9 layers x 27 channels.
DEMO_LAYERS, DEMO_SCALES, DEMO_CHANNELS = 9, 6, 27


def scale_channels(channels, num_scales, channel_doubling=False):
    """Channels of each scale, finest first: constant (the paper's experiments), doubling per
    coarser scale, or a given tuple of `num_scales` widths."""
    if isinstance(channels, (list, tuple)):
        if len(channels) != num_scales:
            raise ValueError(f"{len(channels)} channel widths for {num_scales} scales")
        return tuple(int(c) for c in channels)
    return tuple(int(channels) * (2 ** s if channel_doubling else 1) for s in range(num_scales))


def cost_shares(edges, image_channels, channels):
    """Each edge's share of the whole fabric's multiply-accumulates (they sum to one).

    Computed at a side of 2^(S-1), where every scale halves exactly; the shares are the same
    at any input side that is a multiple of it, so the penalty does not depend on the input.
    """
    side = 2 ** (len(channels) - 1)
    costs = edge_multiply_accumulates(edges, (side, side, image_channels), channels)
    total = sum(costs.values())
    return {name: cost / total for name, cost in costs.items()}


def fabric_graph(images, edges, channels, gates=True, gate_penalties=None):
    """The fabric's nodes as tensors, `{(layer, scale): tensor}`, from its edge list.

    Args:
        images: the input tensor.
        edges: the FabricEdges to build (fabric_trellis.fabric_edges, maybe pruned).
        channels: channels of each scale, finest first.
        gates: whether every edge carries an EdgeGate.
        gate_penalties: `{edge name: L1 strength}` of the gates' regularizers, or None.
    """
    values = {None: images}
    sizes = [None] * len(channels)
    if None not in images.shape[1:3]:
        sizes = list(zip(scale_sizes(images.shape[1], len(channels)),
                         scale_sizes(images.shape[2], len(channels))))
    for node in node_order(edges):
        messages = [_edge_message(values[e.source], e, channels, sizes, gates, gate_penalties)
                    for e in edges if e.target == node]
        prefix = node_name(node)
        x = messages[0] if len(messages) == 1 else layers.Add(name=f"{prefix}_sum")(messages)
        x = FusedBatchNormalization(name=f"{prefix}_bn")(x)
        values[node] = layers.Activation("relu", name=f"{prefix}_relu")(x)
    return values


def _edge_message(x, edge, channels, sizes, gates, gate_penalties):
    """One edge: resampling, its 3×3 convolution, its gate."""
    scale = edge.target[1]
    if edge.resampling == "up":
        x = layers.UpSampling2D(2, name=f"up_{edge.name}")(x)
        want = sizes[scale - 1]
        if want is not None and tuple(x.shape[1:3]) != want:
            extra = (x.shape[1] - want[0], x.shape[2] - want[1])
            x = layers.Cropping2D(((0, extra[0]), (0, extra[1])), name=f"crop_{edge.name}")(x)
    x = layers.Conv2D(channels[scale - 1], 3, strides=2 if edge.resampling == "down" else 1,
                      padding="same", name=f"conv_{edge.name}")(x)
    if gates:
        penalty = (gate_penalties or {}).get(edge.name)
        regularizer = None if not penalty else {"class_name": "L1",
                                                "config": {"l1": float(penalty)}}
        x = EdgeGate(gate_regularizer=regularizer, name=f"gate_{edge.name}")(x)
    return x


def _fabric_edges(num_layers, num_scales, readout, removed_edges):
    """The trellis less `removed_edges` (names), less what no longer links input and output."""
    every = fabric_edges(num_layers, num_scales, readout)
    unknown = sorted(set(removed_edges) - {e.name for e in every})
    if unknown:
        raise ValueError(f"removed_edges names edges this fabric lacks: {unknown}")
    output = readout_node(every, readout)
    kept = live_edges([e for e in every if e.name not in set(removed_edges)], output)
    if not any(e.target == output for e in kept):
        raise ValueError("removing these edges disconnects the read-out node from the input")
    return every, kept, output


def _penalties(every, image_channels, channels, budget_penalty):
    if not budget_penalty:
        return None
    return {name: budget_penalty * share
            for name, share in cost_shares(every, image_channels, channels).items()}


@register_model(
    "fabric", task="classification", paper=PAPER,
    reference={"params": 915_526, "count": "total",
               "config": {"input_shape": (32, 32, 1), "gates": False},
               "source": "computed for the authors' MNIST demo fabric (6 scales x 9 layers x "
                         "27 channels, 32x32 grey input, 10 classes; BN moving statistics "
                         "included); the paper's tables were not checked"},
    tiny={"input_shape": (32, 32, 3), "classes": 4, "num_layers": 2, "channels": 2},
    feature_levels={f"scale{s}": (rf"l\d+s{s}_relu", 2 ** (s - 1)) for s in range(1, 7)})
@applications_builder(classes=10, default_input_shape=(32, 32, 3), min_input_size=1)
def fabric(app, num_layers=DEMO_LAYERS, num_scales=DEMO_SCALES, channels=DEMO_CHANNELS,
           channel_doubling=False, gates=True, budget_penalty=0.0, removed_edges=()):
    """Convolutional neural fabric for classification, read out at the coarsest scale.

    The last layer zips down to the coarsest node (L, S); a 1×1 convolution gives class
    scores there, averaged over its positions (one position, 1×1, at the paper's 32×32 with
    6 scales) and passed through `classifier_activation`.

    Args:
        num_layers: L, layers of the trellis (at least 2).
        num_scales: S; 6 takes a 32×32 input down to 1×1.
        channels: channels of every node, or a tuple of S widths (finest first).
        channel_doubling: double the channels at each coarser scale (the paper's suggested
            variant) instead of keeping them constant.
        gates: put a learned EdgeGate on every edge.
        budget_penalty: λ of the cost penalty on the gates: each gate gets an L1 regularizer
            λ × (its edge's share of the fabric's multiply-accumulates); 0 for none.
        removed_edges: names of edges to leave out (what `prune` passes).
    """
    app.check_weights(None)  # no ImageNet weights for this architecture
    widths = scale_channels(channels, num_scales, channel_doubling)
    inputs = app.image_input()
    every, kept, output = _fabric_edges(num_layers, num_scales, "coarsest", removed_edges)
    nodes = fabric_graph(inputs, kept, widths, gates,
                         _penalties(every, inputs.shape[-1], widths, budget_penalty))
    x = nodes[output]
    if app.include_top:
        x = layers.Conv2D(app.classes, 1, name="class_scores")(x)
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Activation(app.classifier_activation, name="predictions")(x)
    else:
        x = pooled_features(x, app.pooling)
    return app.model(inputs, x)


@register_model(
    "fabric_segmentation", task="segmentation", paper=PAPER,
    tiny={"input_shape": (16, 16, 3), "classes": 3, "num_layers": 2, "num_scales": 3,
          "channels": 2})
def fabric_segmentation(input_shape=None, classes=3, num_layers=DEMO_LAYERS,
                        num_scales=DEMO_SCALES, channels=DEMO_CHANNELS, channel_doubling=False,
                        gates=True, budget_penalty=0.0, removed_edges=(),
                        name="fabric_segmentation"):
    """Convolutional neural fabric for segmentation, read out at the finest scale.

    The last layer zips up to the finest node (L, 1), where a 1×1 convolution gives per-pixel
    class logits at input resolution. The paper segments the Part Labels faces (3 classes:
    hair, skin, background), hence `classes=3`.

    Args:
        input_shape: (H, W, C); None: any size, 3 channels (sides of unknown size must then
            be multiples of 2^(S-1), as no crop can be planned for them).
        classes: per-pixel classes.
        num_layers, num_scales, channels, channel_doubling, gates, budget_penalty,
            removed_edges: as for `fabric`.
        name: model name.
    """
    widths = scale_channels(channels, num_scales, channel_doubling)
    inputs = image_input(None, input_shape, (None, None, 3), model_name=name)
    every, kept, output = _fabric_edges(num_layers, num_scales, "finest", removed_edges)
    nodes = fabric_graph(inputs, kept, widths, gates,
                         _penalties(every, inputs.shape[-1], widths, budget_penalty))
    scores = layers.Conv2D(classes, 1, name="pixel_scores")(nodes[output])
    return Model(inputs, scores, name=name)
