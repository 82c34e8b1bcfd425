"""SSD heads on any registered classification backbone: the single-shot detector with its base
network swapped, as the SSD paper itself invites (Liu et al. 2016, §2.1: "the approach ... can
use other base networks") and as torchvision's `ssdlite` and keras-cv's detectors do.

The feature extractor normalises pixels inside the graph ((x/255 − mean)/std, as the package's
classifiers do), takes the named feature levels of `build_backbone(backbone)` and adds
`extra_levels` stride-2 maps (1×1 reduce, 3×3 stride 2, SSD's extra layers), each of which
gets its own default boxes. Default boxes grow geometrically from `min_size` by 2 per level,
with the SSD extra box √(s_k·s_{k+1}), so small items meet boxes of their size on the finest map.

`initialize_from_classifier(model, classifier)` (models/classifier_initialization.py, shared
with the segmenters) copies a classifier's weights into the base: the lecture's fine-tuning.
"""

import keras
from keras import layers

from kerasvision.models.backbone import build_backbone
# Shared with the segmenters (it moved there); kept importable from here for existing users.
from kerasvision.models.classifier_initialization import initialize_from_classifier  # noqa: F401
from kerasvision.models.detection.single_shot_detector import SingleShotDetector
from kerasvision.registry import register_model


def backbone_ssd_features(backbone, levels, image_shape, extra_levels=1, extra_channels=128,
                          mean=0.5, std=0.25, **backbone_kwargs):
    """Pixels -> [backbone levels..., extra maps...] as a functional model."""
    inputs = keras.Input(image_shape, name="image")
    x = layers.Rescaling(1.0 / (255.0 * std), offset=-mean / std, name="normalize")(inputs)
    base = build_backbone(backbone, levels=list(levels), input_tensor=x, **backbone_kwargs)
    sources = list(base.outputs)
    x = sources[-1]
    for i in range(1, extra_levels + 1):
        x = layers.Conv2D(extra_channels // 2, 1, activation="relu", name=f"extra{i}_reduce")(x)
        x = layers.Conv2D(extra_channels, 3, strides=2, padding="same", activation="relu",
                          name=f"extra{i}_conv")(x)
        sources.append(x)
    return keras.Model(inputs, sources, name=f"{backbone}_ssd_features")


def geometric_sizes(min_size, levels, factor=2.0):
    """min sizes s_k = min_size·factor^k and max sizes s_{k+1}, one per level, in pixels."""
    sizes = [min_size * factor ** k for k in range(levels + 1)]
    return sizes[:-1], sizes[1:]


@register_model("ssd", task="detection",
                paper="Liu et al., SSD: Single Shot MultiBox Detector, ECCV 2016 (SSD heads on "
                      "a registered backbone)",
                tiny={"input_shape": (64, 64, 3), "num_classes": 3,
                      "backbone_kwargs": {"width": 0.125}, "extra_channels": 16})
def ssd(input_shape=(128, 128, 3), num_classes=10, backbone="resnet18",
        levels=("C3", "C4", "C5"), extra_levels=1, extra_channels=128, min_size=16.0,
        aspect_ratios=(2.0, 3.0), max_detections=100, backbone_kwargs=None, mean=0.5,
        std=0.25, **kwargs):
    """SSD heads on `backbone`'s `levels` plus `extra_levels` stride-2 maps.

    Args:
        input_shape: (H, W, C) of the pixels (0–255).
        num_classes: object classes.
        backbone: a registered classification name with feature levels.
        levels: its levels to predict from, shallow to deep.
        min_size: the default box scale of the first map, in pixels (doubling per map).
        aspect_ratios: extra ratios of every map (each adds a and 1/a).
        backbone_kwargs: more builder arguments of the backbone (e.g. `{"width": 0.5}`).
        mean, std: the pixel normalisation ((x/255 − mean)/std).
    """
    features = backbone_ssd_features(backbone, levels, tuple(input_shape), extra_levels,
                                     extra_channels, mean, std, **(backbone_kwargs or {}))
    maps = len(features.outputs)
    min_sizes, max_sizes = geometric_sizes(min_size, maps)
    steps = [input_shape[0] / int(out.shape[1]) for out in features.outputs]
    return SingleShotDetector(features, num_classes, min_sizes, max_sizes,
                              [tuple(aspect_ratios)] * maps, steps,
                              max_detections=max_detections, name="ssd", **kwargs)
