"""Multiply-accumulates per output of a multi-output model: what it costs to reach each exit of
an anytime classifier such as MSDNet (Huang et al., ICLR 2018, whose budgets are counted in
multiply-adds, the "FLOPs" of its figures).

The cost of an output is the sum of `layer_macs` over the layer calls it depends on; with
`include_earlier_exits` it is that of everything computed to read the outputs 1..k in turn,
which is the cost of an example that leaves at exit k under early exiting.
"""

from kerasvision.inspect.multiply_accumulates import layer_macs


def _ancestor_nodes(tensor, seen):
    """Add to `seen` (id -> Node) every layer call `tensor` depends on."""
    stack = [tensor]
    while stack:
        t = stack.pop()
        history = getattr(t, "_keras_history", None)
        if history is None or history.operation is None:
            continue
        node = history.operation._inbound_nodes[history.node_index]
        if id(node) in seen:
            continue
        seen[id(node)] = node
        stack.extend(node.input_tensors)


def _node_macs(node):
    if not node.input_tensors:  # an Input
        return 0
    macs = layer_macs(node.operation, [tuple(t.shape) for t in node.input_tensors],
                      [tuple(t.shape) for t in node.output_tensors])
    if macs is None:
        raise ValueError(f"layer {node.operation.name!r} has outputs of unknown size; build "
                         "the model with a fixed input_shape to count its MACs")
    return macs


def output_multiply_accumulates(model, include_earlier_exits=True):
    """Multiply-accumulates per example of each of `model`'s outputs, in output order.

    Args:
        model: a functional model with one or more outputs (the exits, in order).
        include_earlier_exits: count, for output k, the layers of outputs 1..k together (the
            cost of early exiting at k); False: only the layers output k depends on.
    """
    costs, seen = [], {}
    for output in model.outputs:
        if not include_earlier_exits:
            seen = {}
        _ancestor_nodes(output, seen)
        costs.append(sum(_node_macs(node) for node in seen.values()))
    return costs
