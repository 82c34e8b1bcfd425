"""Receptive-field size and jump per layer, plotted: linear growth through stride-1
convolutions, geometric through strided layers (the lecture's "Receptive fields" slide)."""

from kerasvision.inspect.model_trace import trace_model


def receptive_field_curve(model):
    """[(layer name, size, jump)] for every layer whose output has a spatial field (height)."""
    curve = []
    for trace in trace_model(model):
        field = trace.field
        if field is None or not field.axes or field.jump[0] is None:
            continue
        curve.append((trace.name, field.size[0], field.jump[0]))
    return curve


def plot_receptive_field(model, path):
    """PNG at `path`: RF size and jump (log scale) against layer depth; returns the curve."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import ScalarFormatter

    curve = receptive_field_curve(model)
    if not curve:
        raise ValueError(f"model {model.name!r} has no layer with a spatial receptive field")
    names, sizes, jumps = zip(*curve)
    fig = Figure(figsize=(min(14.0, max(6.0, 0.25 * len(curve))), 4.5), dpi=100)
    ax = fig.subplots()
    x = range(len(curve))
    ax.plot(x, sizes, marker="o", markersize=3, label="receptive field size (pixels)")
    ax.plot(x, jumps, marker="s", markersize=3, label="jump = effective stride (pixels)")
    ax.set_yscale("log", base=2)
    ax.yaxis.set_major_formatter(ScalarFormatter())  # 1, 4, 16 pixels rather than 2^k
    every = -(-len(curve) // 50)  # at most 50 names fit under the axis
    ticks = list(range(0, len(curve), every))
    ax.set_xticks(ticks)
    ax.set_xticklabels([names[t] for t in ticks], rotation=90, fontsize=6 if every > 1 else 7)
    ax.set_xlabel("layer" if every == 1 else f"layer (every {every}th named)")
    ax.set_ylabel("pixels of the input")
    ax.set_title(f"{model.name}: receptive field by layer (final {sizes[-1]:g}, "
                 f"jump {jumps[-1]:g})", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")
    return curve
