"""First-layer filters as images (Krizhevsky et al., ImageNet Classification with Deep
Convolutional Neural Networks, NIPS 2012, Fig. 3): edge, colour and frequency detectors."""

import numpy as np

from kerasvision.inspect.image_grid import save_image_grid
from kerasvision.inspect.layer_choice import pick_layer


def first_layer_filters(model, layer_name=None):
    """(layer name, array (filters, kh, kw, channels)) of the first convolution's kernel.

    Each filter is scaled on its own to [0, 1] around 0.5 = zero weight (symmetric), so the
    sign of a weight stays readable. Channels are the layer's input channels (3 = RGB).
    """
    layer = pick_layer(model, layer_name, default="first")
    kernel = np.asarray(layer.kernel, dtype="float64")  # (kh, kw, in, out)
    if kernel.ndim != 4:
        raise ValueError(f"layer {layer.name!r} has a kernel of shape {kernel.shape}, "
                         "not (kh, kw, in, out)")
    filters = np.transpose(kernel, (3, 0, 1, 2))
    scale = np.abs(filters).reshape(len(filters), -1).max(axis=1)
    scale[scale == 0] = 1.0
    return layer.name, 0.5 + 0.5 * filters / scale[:, None, None, None]


def plot_first_layer_filters(filters, path, layer_name="", max_filters=96):
    """The filters from `first_layer_filters` in a grid: RGB where there are 3 input channels,
    else the mean over input channels in grey."""
    filters = np.asarray(filters)[:max_filters]
    if filters.shape[-1] == 3:
        cells = list(filters)
    else:
        cells = list(filters.mean(axis=-1))
    cols = int(np.ceil(np.sqrt(len(cells))))
    rows = [cells[i:i + cols] for i in range(0, len(cells), cols)]
    kh, kw = filters.shape[1:3]
    return save_image_grid(rows, path, cell_inches=0.6,
                           suptitle=f"{layer_name}: {len(cells)} filters {kh}x{kw}")
