"""Save a grid of small images (rows x columns) as a PNG, with matplotlib's Agg canvas.

`matplotlib.figure.Figure` is used without pyplot, so nothing depends on (or changes) the
user's interactive backend.
"""

import numpy as np


def display_range(image):
    """`image` scaled to [0, 1] for display (per image min-max; flat images become 0.5)."""
    image = np.asarray(image, dtype="float64")
    lo, hi = np.nanmin(image), np.nanmax(image)
    if hi - lo < 1e-12:
        return np.full_like(image, 0.5)
    return (image - lo) / (hi - lo)


def save_image_grid(rows, path, row_labels=None, titles=None, suptitle=None, cmap="gray",
                    cell_inches=1.0):
    """Write `rows` (a list of lists of HxW or HxWx3 arrays in [0, 1]) as a PNG at `path`.

    `titles` mirrors `rows` (a small caption per cell, or None); `row_labels` names the rows.
    """
    from matplotlib.figure import Figure

    n_rows = max(len(rows), 1)
    n_cols = max((len(r) for r in rows), default=1) or 1
    fig = Figure(figsize=(cell_inches * n_cols + (0.8 if row_labels else 0.2),
                          cell_inches * n_rows + (0.5 if suptitle else 0.2)), dpi=100)
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for r in range(n_rows):
        for c in range(n_cols):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if r < len(rows) and c < len(rows[r]) and rows[r][c] is not None:
                image = np.asarray(rows[r][c])
                if image.ndim == 3 and image.shape[-1] == 1:
                    image = image[..., 0]
                ax.imshow(image, cmap=cmap if image.ndim == 2 else None, vmin=0, vmax=1,
                          interpolation="nearest")
                if titles and titles[r] and titles[r][c] is not None:
                    ax.set_title(titles[r][c], fontsize=6, pad=2)
            if row_labels and c == 0 and r < len(row_labels):
                ax.set_ylabel(row_labels[r], fontsize=7, rotation=0, ha="right", va="center")
    if suptitle:
        fig.suptitle(suptitle, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path
