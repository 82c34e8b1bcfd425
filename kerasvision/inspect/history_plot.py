"""Training curves: loss and accuracy per epoch, training and validation, as one PNG."""


def plot_history(history, path, title=None):
    """Plot a Keras `History` (or its `.history` dict) to a PNG at `path`.

    Left: every key ending in "loss"; right: every key containing "acc" (if any). Validation
    curves (`val_*`) are dashed. Returns `path`.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    curves = getattr(history, "history", history)
    if not isinstance(curves, dict) or not curves:
        raise ValueError("plot_history needs a History or a non-empty dict of per-epoch lists")
    losses = sorted(k for k in curves if k.endswith("loss"))
    accuracies = sorted(k for k in curves if "acc" in k)
    panels = [("loss", losses)] + ([("accuracy", accuracies)] if accuracies else [])
    fig = Figure(figsize=(5.0 * len(panels), 3.8), dpi=100)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (label, keys) in zip(axes, panels):
        for key in keys:
            values = list(curves[key])
            epochs = range(1, len(values) + 1)
            ax.plot(epochs, values, linestyle="--" if key.startswith("val_") else "-",
                    marker="o", markersize=3, label=key)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        if keys:
            ax.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path
