"""A fully convolutional segmenter on any registered classification backbone, with an FPN-style
top-down decoder: the segmentation counterpart of `ssd` (models/detection/backbone_ssd.py).

FCN (Long, Shelhamer & Darrell, Fully Convolutional Networks for Semantic Segmentation, CVPR
2015, §4.2) fuses a deep, coarse prediction with finer layers' by 2× upsampling and addition.
Here the fusion is of features rather than scores, as in the top-down pathway of Lin et al.,
Feature Pyramid Networks for Object Detection, CVPR 2017, §3 (a 1×1 lateral convolution per
level, 2× upsampling of the coarser map, addition) and its semantic-segmentation use (Kirillov
et al., Panoptic Feature Pyramid Networks, CVPR 2019, §3): after each addition a 3×3
convolution with batch normalisation and ReLU; the finest fused map (C2, stride 4 on ResNets)
is scored by a 1×1 convolution and upsampled bilinearly to the input size, then softmax.

Pixels (0–255) are normalised in the graph, ((x/255 − mean)/std) in a layer named `normalize`,
as the package's classifiers and `ssd` do, and the backbone is built inline on that tensor, so
its layers keep the classifier's names and `initialize_from_classifier` (models/
classifier_initialization.py) copies a trained classifier into it — the lecture's fine-tuning.

Input sides must be multiples of the coarsest level's stride (32 for C5).
"""

import keras
from keras import layers

from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
from kerasvision.models.backbone import build_backbone, feature_strides
from kerasvision.registry import register_model

PAPER = ("Long, Shelhamer & Darrell, Fully Convolutional Networks for Semantic Segmentation, "
         "CVPR 2015, with the top-down decoder of Lin et al., Feature Pyramid Networks, "
         "CVPR 2017 (on a registered backbone)")


@register_model("backbone_fcn", task="segmentation", paper=PAPER,
                tiny={"input_shape": (32, 32, 3), "classes": 3,
                      "backbone_kwargs": {"width": 0.125}, "decoder_channels": 8})
def backbone_fcn(input_shape=(128, 128, 3), classes=11, backbone="resnet18",
                 levels=("C2", "C3", "C4", "C5"), decoder_channels=64, backbone_kwargs=None,
                 mean=0.5, std=0.25, name="backbone_fcn"):
    """Softmax class scores `(N, H, W, classes)` at input size from pixels 0–255.

    Args:
        input_shape: (H, W, C), sides multiples of the stride of `levels[-1]`.
        classes: number of classes, background included.
        backbone: a registered classification name with feature levels.
        levels: its levels to fuse, fine to coarse; the output comes from the first.
        decoder_channels: width of the lateral and fused maps.
        backbone_kwargs: more builder arguments of the backbone (e.g. `{"width": 0.5}`).
        mean, std: the pixel normalisation ((x/255 − mean)/std).
    """
    input_shape = tuple(input_shape)
    strides = feature_strides(backbone)
    levels = list(levels)
    coarsest = strides[levels[-1]]
    for side in input_shape[:2]:
        if side is None or side % coarsest:
            raise ValueError(f"backbone_fcn: input sides must be multiples of {coarsest} "
                             f"(the stride of {levels[-1]}), got input shape {input_shape}")
    inputs = keras.Input(input_shape, name="image")
    x = layers.Rescaling(1.0 / (255.0 * std), offset=-mean / std, name="normalize")(inputs)
    base = build_backbone(backbone, levels=levels, input_tensor=x, **(backbone_kwargs or {}))
    maps = base.outputs
    fused = layers.Conv2D(decoder_channels, 1, name=f"lateral_{levels[-1]}")(maps[-1])
    for level, feature in zip(reversed(levels[:-1]), reversed(maps[:-1])):
        ratio = strides[levels[levels.index(level) + 1]] // strides[level]
        fused = layers.UpSampling2D(ratio, interpolation="bilinear",
                                    name=f"up_to_{level}")(fused)
        lateral = layers.Conv2D(decoder_channels, 1, name=f"lateral_{level}")(feature)
        fused = layers.Add(name=f"fuse_{level}")([fused, lateral])
        fused = layers.Conv2D(decoder_channels, 3, padding="same", use_bias=False,
                              name=f"smooth_{level}")(fused)
        fused = FusedBatchNormalization(name=f"smooth_{level}_bn")(fused)
        fused = layers.ReLU(name=f"smooth_{level}_relu")(fused)
    scores = layers.Conv2D(classes, 1, name="score")(fused)
    scores = layers.UpSampling2D(strides[levels[0]], interpolation="bilinear",
                                 name="upsample_scores")(scores)
    probabilities = layers.Activation("softmax", dtype="float32", name="scores")(scores)
    return keras.Model(inputs, probabilities, name=name)
