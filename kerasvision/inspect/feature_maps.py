"""A layer's activation maps for one image (Zeiler & Fergus, ECCV 2014; Yosinski et al.,
Understanding Neural Networks Through Deep Visualization, ICML DL workshop 2015)."""

import numpy as np

from kerasvision.inspect.image_grid import display_range, save_image_grid
from kerasvision.inspect.layer_choice import layer_probe, pick_layer


def activation_maps(model, image, layer_name=None):
    """(layer name, array (h, w, channels)): the layer's output for one image (H, W, C).

    The default layer is the model's last convolution.
    """
    layer = pick_layer(model, layer_name, default="last")
    maps = np.asarray(layer_probe(model, layer).predict(np.asarray(image)[None], verbose=0))[0]
    if maps.ndim != 3:
        raise ValueError(f"layer {layer.name!r} output has shape {maps.shape}, not (h, w, c)")
    return layer.name, maps


def plot_activation_maps(maps, path, image=None, layer_name="", max_maps=64):
    """Up to `max_maps` channels of `maps` (h, w, c) in a square-ish grid, the image first.

    Every map shares one grey scale (black = the layer's lowest value) so that strong and
    weak channels can be compared.
    """
    maps = np.asarray(maps, dtype="float64")
    count = min(max_maps, maps.shape[-1])
    scaled = display_range(maps[..., :count])
    cells = ([display_range(image)] if image is not None else []) + \
        [scaled[..., c] for c in range(count)]
    captions = (["input"] if image is not None else []) + [str(c) for c in range(count)]
    cols = int(np.ceil(np.sqrt(len(cells))))
    rows = [cells[i:i + cols] for i in range(0, len(cells), cols)]
    titles = [captions[i:i + cols] for i in range(0, len(captions), cols)]
    return save_image_grid(rows, path, titles=titles,
                           suptitle=f"{layer_name}: {count} of {maps.shape[-1]} maps, "
                                    f"{maps.shape[0]}x{maps.shape[1]}")
