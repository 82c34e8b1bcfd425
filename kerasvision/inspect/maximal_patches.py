"""The dataset patches that excite a filter most (Zeiler & Fergus, Visualizing and Understanding
Convolutional Networks, ECCV 2014, Fig. 2 right; Girshick et al., R-CNN, CVPR 2014, Fig. 4).

Each unit of a feature map is a filter applied at one position; its receptive field (size,
jump, start from `receptive_field`) says which input pixels it saw, so the top-k units of a
filter over a dataset give the top-k input patches, cut at the image border.
"""

import dataclasses

import numpy as np

from kerasvision.inspect.image_grid import display_range, save_image_grid
from kerasvision.inspect.layer_choice import layer_probe, patch_layer, pick_layer
from kerasvision.inspect.layer_receptive_field import receptive_field


@dataclasses.dataclass(frozen=True)
class Patch:
    """One unit of a filter: where it is, how strongly it fired, and the input pixels it saw.

    `box` is ((top, bottom), (left, right)), inclusive input-pixel bounds clipped to the image;
    `full_box` is the same before clipping.
    """

    filter: int
    image_index: int
    position: tuple
    activation: float
    box: tuple
    full_box: tuple


def top_patches(model, images, layer_name=None, filters=8, top=9, batch_size=32):
    """For each chosen filter of a layer, the `top` units with the highest activation.

    Args:
        model: a functional Keras model.
        images: array (N, H, W, C), already as the model expects its input.
        layer_name: a top-level layer with a 4-D output (default: the deepest convolution
            whose receptive field is at most two thirds of the image, `patch_layer`).
        filters: how many filters (the first ones), or a list of filter indices.
        top: patches per filter.

    Returns:
        (layer name, list with one list of `Patch` per filter, highest activation first).
    """
    images = np.asarray(images)
    layer = (pick_layer(model, layer_name) if layer_name is not None
             else patch_layer(model, images.shape[1:3]))
    field = receptive_field(model, layer.name)
    if len(field.axes) != 2 or field.jump[0] is None:
        raise ValueError(f"layer {layer.name!r} has no 2-D spatial output to take patches from")
    probe = layer_probe(model, layer)
    maps = np.asarray(probe.predict(images, batch_size=batch_size, verbose=0))
    if maps.ndim != 4:
        raise ValueError(f"layer {layer.name!r} output has shape {maps.shape[1:]}, not (h, w, c)")
    chosen = list(range(min(filters, maps.shape[-1]))) if isinstance(filters, int) else \
        [int(f) for f in filters]
    image_hw = images.shape[1:3]
    result = []
    for f in chosen:
        flat = maps[..., f].reshape(-1)
        k = min(top, flat.size)
        best = np.argpartition(-flat, k - 1)[:k]
        best = best[np.argsort(-flat[best], kind="stable")]
        patches = []
        for index in best:
            n, i, j = np.unravel_index(index, maps.shape[:3])
            patches.append(Patch(f, int(n), (int(i), int(j)), float(flat[index]),
                                 field.clipped_box((i, j), image_hw), field.box(i, j)))
        result.append(patches)
    return layer.name, result


def patch_pixels(image, patch, fill=0.5):
    """The patch's pixels placed on a canvas of the full field size (border cut shown as `fill`).

    `image` must already be in the display range [0, 1].
    """
    (t, b), (l, r) = patch.box
    (ft, fb), (fl, fr) = patch.full_box
    canvas = np.full((fb - ft + 1, fr - fl + 1, image.shape[-1]), fill, dtype="float64")
    canvas[t - ft:b - ft + 1, l - fl:r - fl + 1] = image[t:b + 1, l:r + 1]
    return canvas


def plot_top_patches(patches, images, path, layer_name=""):
    """One row per filter of its top patches (from `top_patches`) as a PNG at `path`; the
    number above each patch is its unit's activation, as the title says."""
    shown = display_range(np.asarray(images, dtype="float64"))  # one scale for all images
    rows, titles, labels = [], [], []
    for per_filter in patches:
        rows.append([patch_pixels(shown[p.image_index], p) for p in per_filter])
        titles.append([f"{p.activation:.3g}" for p in per_filter])
        labels.append(f"filter {per_filter[0].filter}" if per_filter else "")
    size = patches[0][0].full_box if patches and patches[0] else None
    rf = f", field {size[0][1] - size[0][0] + 1}x{size[1][1] - size[1][0] + 1}" if size else ""
    return save_image_grid(rows, path, row_labels=labels, titles=titles,
                           suptitle=f"top patches of {layer_name}{rf}\n"
                                    "(number above each patch: the unit's activation)")
