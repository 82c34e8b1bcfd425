"""What a built fabric is, read back from the model itself: its edges (from the names of its
convolutions, `conv_<edge>`), the widths of its scales (from their kernels), its read-out and
head, and the builder arguments that rebuild it. A saved and reloaded fabric is a plain
functional model; its layer names are all the layout it keeps, so this is what `prune` and
the cost functions rely on."""

import dataclasses

import keras

from kerasvision.models.multiscale.fabric_trellis import FabricEdge, fabric_edges


@dataclasses.dataclass(frozen=True)
class FabricLayout:
    """A built fabric's structure.

    Attributes:
        edges: its FabricEdges, in layer order.
        channels: channels of each scale, finest first.
        readout: "coarsest" (classification) or "finest" (segmentation).
        num_layers, num_scales: the trellis' size.
        image_shape: (H, W, C) of its input (None for unknown sides).
        gates: `{edge name: gate value}` (empty if it has no gates).
    """

    edges: tuple
    channels: tuple
    readout: str
    num_layers: int
    num_scales: int
    image_shape: tuple
    gates: dict

    @property
    def removed_edges(self):
        """Names of the full trellis' edges this fabric lacks."""
        present = {e.name for e in self.edges}
        return tuple(e.name for e in fabric_edges(self.num_layers, self.num_scales,
                                                  self.readout) if e.name not in present)


def fabric_layout(model):
    """The FabricLayout of a model built by `fabric` or `fabric_segmentation`."""
    convs = {layer.name[len("conv_"):]: layer for layer in model.layers
             if layer.name.startswith("conv_")}
    edges = {name: FabricEdge.from_name(name) for name in convs}
    edges = {name: e for name, e in edges.items() if e is not None}
    if not edges:
        raise ValueError(f"{model.name!r} has no fabric edges (layers named conv_<edge>)")
    widths = {}
    for name, e in edges.items():
        widths[e.target[1]] = int(convs[name].filters)
    num_scales = max(widths)
    if sorted(widths) != list(range(1, num_scales + 1)):
        raise ValueError(f"{model.name!r}: scales {sorted(widths)} are not 1..{num_scales}")
    names = {layer.name for layer in model.layers}
    readout = "coarsest" if "class_scores" in names else "finest" if "pixel_scores" in names \
        else None
    if readout is None:
        raise ValueError(f"{model.name!r} has no fabric head (class_scores or pixel_scores); "
                         "a fabric built with include_top=False cannot be laid out again")
    gates = {layer.name[len("gate_"):]: float(keras.ops.convert_to_numpy(layer.gate))
             for layer in model.layers if layer.name.startswith("gate_")}
    return FabricLayout(edges=tuple(edges.values()),
                        channels=tuple(widths[s] for s in range(1, num_scales + 1)),
                        readout=readout,
                        num_layers=max(e.target[0] for e in edges.values()),
                        num_scales=num_scales,
                        image_shape=tuple(model.inputs[0].shape[1:]),
                        gates=gates)


def builder_arguments(model, layout=None):
    """`(builder name, keyword arguments)` that rebuild `model`'s fabric (same edges, head,
    widths and input), for `kerasvision.models.build`."""
    layout = layout or fabric_layout(model)
    common = {"input_shape": layout.image_shape, "num_layers": layout.num_layers,
              "num_scales": layout.num_scales, "channels": layout.channels,
              "gates": bool(layout.gates), "removed_edges": layout.removed_edges,
              "name": model.name}
    if layout.readout == "finest":
        return "fabric_segmentation", {
            **common, "classes": int(model.get_layer("pixel_scores").filters)}
    activation = model.get_layer("predictions").activation
    return "fabric", {**common, "classes": int(model.get_layer("class_scores").filters),
                      "classifier_activation": keras.activations.serialize(activation)}
