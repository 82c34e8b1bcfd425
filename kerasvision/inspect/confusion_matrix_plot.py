"""A confusion matrix as a PNG: rows are true classes, columns predicted ones."""

import numpy as np


def plot_confusion_matrix(matrix, class_names, path, normalize=False, title=None):
    """Draw `matrix` (true x predicted counts) with each cell annotated; returns `path`.

    With `normalize` each row is divided by its total (per-class recall on the diagonal).
    """
    from matplotlib.figure import Figure

    matrix = np.asarray(matrix, dtype="float64")
    n = len(class_names)
    if matrix.shape != (n, n):
        raise ValueError(f"confusion matrix of shape {matrix.shape} does not match "
                         f"{n} class names")
    if normalize:
        totals = matrix.sum(axis=1, keepdims=True)
        matrix = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    side = max(4.0, 0.55 * n + 2)
    fig = Figure(figsize=(side + 1, side), dpi=100)
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="Blues", interpolation="nearest")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xticklabels(class_names, rotation=45, ha="right", fontsize=8)
    ax.set_yticklabels(class_names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(n):
        for j in range(n):
            text = f"{matrix[i, j]:.2f}" if normalize else f"{int(round(matrix[i, j]))}"
            ax.text(j, i, text, ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > threshold else "black")
    accuracy = np.trace(matrix) / matrix.sum() if not normalize and matrix.sum() else None
    suffix = f" (accuracy {accuracy:.3f})" if accuracy is not None else ""
    ax.set_title((title or "confusion matrix") + suffix, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path
