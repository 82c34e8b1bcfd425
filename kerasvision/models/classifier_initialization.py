"""Starting a detector's or segmenter's base from a trained classifier: the lecture's
fine-tuning (pre-train on classification, replace the head, train for the new task).

The base of `ssd` (models/detection/backbone_ssd.py) and `backbone_fcn`
(models/segmentation/backbone_fcn.py) is `build_backbone` built inline, so its layers keep the
classifier's names; weights are copied layer by layer name. A grey classifier's first
convolution is inflated to RGB by the luminance weights, so the copied base gives exactly the
classifier's features on grey images.
"""

import numpy as np

import keras

# ITU-R BT.601 luma, as PIL's "L" conversion and tf.image.rgb_to_grayscale use.
LUMINANCE = (0.299, 0.587, 0.114)


def initialize_from_classifier(model, classifier):
    """Copy `classifier`'s weights into the layers of `model` (and of models nested in it).

    Layers whose names and weight shapes match are copied; a convolution whose kernel takes 1
    input channel in the classifier and 3 here is inflated by the luminance weights. Returns
    the names of the layers copied (the rest keep their initialisation).
    """
    theirs = {layer.name: layer for layer in classifier.layers}
    copied = []
    for layer in _layers_within(model):
        source = theirs.get(layer.name)
        if source is None or not layer.weights:
            continue
        converted = _converted_weights(layer.get_weights(), source.get_weights())
        if converted is not None:
            layer.set_weights(converted)
            copied.append(layer.name)
    return copied


def _layers_within(model):
    """The non-model layers of `model`, nested models' layers included (a detector keeps its
    base in a `feature_extractor` sub-model)."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _layers_within(layer)
        else:
            yield layer


def _converted_weights(mine, weights):
    """`weights` shaped like `mine` (grey kernels inflated to RGB), or None if they differ."""
    if len(weights) != len(mine):
        return None
    converted = []
    for want, have in zip(mine, weights):
        if want.shape == have.shape:
            converted.append(have)
        elif want.ndim == 4 and have.shape[2] == 1 and want.shape[2] == 3 \
                and want.shape[:2] + want.shape[3:] == have.shape[:2] + have.shape[3:]:
            converted.append(have * np.asarray(LUMINANCE, have.dtype)[None, None, :, None])
        else:
            return None
    return converted
