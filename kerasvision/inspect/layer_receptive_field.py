"""`receptive_field(model, layer_name)`: size, jump and start of a layer's units."""

from kerasvision.inspect.model_trace import trace_model_outputs


def receptive_field(model, layer_name=None):
    """The ReceptiveField of `layer_name`'s output (default: the model's first output).

    Returns a ReceptiveField with `.size`, `.jump`, `.start` (one entry per spatial axis,
    height first) and `.box(i, j)`, the input pixels unit (i, j) sees. Layers inside nested
    models are named `outer/inner`. Where a layer is called more than once, its first call
    counts.
    """
    traces, output_fields = trace_model_outputs(model)
    if layer_name is None:
        field, where = output_fields[0], f"the output of model {model.name!r}"
        culprit = None
    else:
        matches = [t for t in traces if t.name == layer_name]
        if not matches:
            names = ", ".join(t.name for t in traces)
            raise ValueError(f"model {model.name!r} has no layer {layer_name!r}; "
                             f"it has: {names}")
        field, where = matches[0].field, f"layer {layer_name!r}"
        culprit = type(matches[0].layer).__name__
    if field is None:
        unknown = [type(t.layer).__name__ for t in traces if t.field is None and t.layer]
        culprit = culprit if culprit and culprit in unknown else (unknown[0] if unknown else "?")
        raise ValueError(f"the receptive field of {where} is unknown ({culprit} is not a "
                         "layer kerasvision knows how to trace)")
    return field
