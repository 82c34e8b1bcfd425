"""The per-layer table: name, type, output shape, parameters, receptive field, MACs."""

from kerasvision.inspect.multiply_accumulates import layer_macs
from kerasvision.inspect.model_trace import trace_model

COLUMNS = ("name", "type", "output_shape", "params", "rf_size", "rf_jump", "rf_start", "macs")


def layer_table(model):
    """One dict per layer call (inputs first) with the keys of COLUMNS.

    `rf_size`, `rf_jump` and `rf_start` are per spatial axis (height, width): the receptive
    field of one output unit in input pixels, the input distance between neighbouring units,
    and the centre of the first unit's field (None where unknown or not spatial).
    `macs` counts multiply-accumulates for one example.
    """
    rows = []
    for trace in trace_model(model):
        layer = trace.layer
        is_input = not trace.input_shapes
        field = trace.field
        shapes = trace.output_shapes
        rows.append({
            "name": trace.name,
            "type": "InputLayer" if is_input else type(layer).__name__,
            "output_shape": list(shapes[0]) if len(shapes) == 1 else [list(s) for s in shapes],
            "params": 0 if is_input else int(layer.count_params()),
            "rf_size": list(field.size) if field is not None and field.axes else None,
            "rf_jump": (list(field.jump) if field is not None and field.axes
                        and None not in field.jump else None),
            "rf_start": (list(field.start) if field is not None and field.axes
                         and None not in field.start else None),
            "macs": 0 if is_input else layer_macs(layer, trace.input_shapes, shapes),
        })
    return rows


def format_layer_table(rows):
    """The table as aligned text with a totals line (what `kerasvision info` prints)."""
    header = ("layer", "type", "output shape", "params", "RF size", "jump", "start", "MACs")
    body = [(r["name"], r["type"], _shape(r["output_shape"]), f"{r['params']:,}",
             _axes(r["rf_size"]), _axes(r["rf_jump"]), _axes(r["rf_start"]),
             "?" if r["macs"] is None else f"{r['macs']:,}") for r in rows]
    total_params = sum(r["params"] for r in rows)
    macs = [r["macs"] for r in rows]
    total_macs = "?" if None in macs else f"{sum(macs):,}"
    footer = ("total", "", "", f"{total_params:,}", "", "", "", total_macs)
    table = [header, *body, footer]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    right = {3, 7}
    lines = []
    for k, row in enumerate(table):
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if k == 0 or k == len(table) - 2:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _shape(shape):
    if shape and isinstance(shape[0], list):
        return " ".join(_shape(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _axes(values):
    if values is None:
        return "-"
    text = ["?" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)) for v in values]
    return "x".join(text)
