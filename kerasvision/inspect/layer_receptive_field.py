"""`receptive_field(model, layer_name)`: size, jump and start of a layer's units."""

from kerasvision.inspect.model_trace import trace_model


def receptive_field(model, layer_name=None):
    """The ReceptiveField of `layer_name`'s output (default: the model's first output).

    Returns a ReceptiveField with `.size`, `.jump`, `.start` (one entry per spatial axis,
    height first) and `.box(i, j)`, the input pixels unit (i, j) sees. Where a layer is called
    more than once, its first call counts.
    """
    traces = trace_model(model)
    if layer_name is None:
        layer_name = model.outputs[0]._keras_history.operation.name
        matches = [t for t in traces if t.name == layer_name or
                   t.name.endswith("/" + layer_name)]
        matches = matches[-1:]
    else:
        matches = [t for t in traces if t.name == layer_name]
    if not matches:
        names = ", ".join(t.name for t in traces)
        raise ValueError(f"model {model.name!r} has no layer {layer_name!r}; it has: {names}")
    field = matches[0].field
    if field is None:
        raise ValueError(f"the receptive field of layer {layer_name!r} is unknown "
                         f"({type(matches[0].layer).__name__} is not a layer kerasvision "
                         "knows how to trace)")
    return field
