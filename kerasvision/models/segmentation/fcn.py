"""Fully convolutional networks on VGG-16 (Long, Shelhamer & Darrell, Fully Convolutional
Networks for Semantic Segmentation, CVPR 2015; extended in TPAMI 2017): FCN-32s, FCN-16s and
FCN-8s.

VGG-16's classifier becomes convolutions (§3.1, §4.1): fc6 is a 7×7 convolution with 4096
filters, fc7 a 1×1 convolution with 4096, each with ReLU and dropout 0.5; a 1×1 `score_fr`
gives class scores at stride 32. Upsampling is backwards strided convolution (§3.3):
`Conv2DTranspose` layers with kernel 2s − s mod 2 initialised to bilinear interpolation.
FCN-16s and FCN-8s fuse finer predictions (§4.2): 1×1 score layers on pool4 and pool3 are
added to the 2× upsampled coarser scores. Following §4.3 ("Dense Prediction"), the
intermediate 2× upsamplings are learned and the final one is fixed to bilinear interpolation
(`learn_final_upsampling=True` learns it too); the score layers start at zero (§4.3,
"Optimization").

Choices where the reference Caffe nets differ (docs/segmentation.md):

- Alignment: instead of the Caffe nets' 100-pixel input padding, a "valid" 7×7 fc6 and
  `Crop` layers, fc6 pads "same" and every upsampling pads "same". For an input whose sides
  are multiples of 32 the maps then line up exactly (pool5 is H/32, the ×2 upsamplings meet
  pool4 at H/16 and pool3 at H/8) and the output has the input's size; other sizes are
  refused. The VGG-16 classifier's fc1/fc2 still load into fc6/fc7 (vgg16_weights.py).
- Skip scaling: the staged nets of the CVPR paper add pool4/pool3 scores unscaled (our
  default). The TPAMI 2017 "at-once" FCN-8s scales pool4 by 0.01 and pool3 by 0.0001 before
  scoring (`skip_scaling=True`).

Table 1 gives 134M parameters for FCN-VGG16; the learned parameters here are 134,346,581
(FCN-32s), 134,364,410 (FCN-16s) and 134,376,863 (FCN-8s) for 21 classes, with the fixed
final upsampling not counted.
"""

import keras
from keras import layers

from kerasvision.layers.bilinear_initializer import BilinearInitializer
from kerasvision.models.backbone import build_backbone
from kerasvision.registry import register_model

PAPER = ("Long, Shelhamer & Darrell, Fully Convolutional Networks for Semantic Segmentation, "
         "CVPR 2015 (TPAMI 2017)")

# The "at-once" FCN-8s of TPAMI 2017 scales the skip features before scoring them.
AT_ONCE_SKIP_SCALES = {"pool4": 0.01, "pool3": 0.0001}

# 134M in Table 1 (FCN-VGG16), rounded to a million: 0.5M either side.
_REFERENCE = {"count": "trainable", "params": 134_000_000, "params_rel_tol": 0.5 / 134,
              "slow": True, "source": "Long et al. 2015, Table 1: FCN-VGG16 134M"}
_TINY = {"input_shape": (32, 32, 3), "classes": 3, "width": 1 / 64}


def fully_convolutional_net(output_stride, input_shape=None, classes=21, width=1.0,
                            dropout=0.5, skip_scaling=False, learn_final_upsampling=False,
                            name=None):
    """FCN-`output_stride`s (32, 16 or 8) on a VGG-16 base; softmax scores at input size.

    Args:
        output_stride: 32 (no skips), 16 (pool4 skip) or 8 (pool4 and pool3 skips).
        input_shape: (H, W, C), sides multiples of 32 or None (default (None, None, 3)).
        classes: number of classes, background included (21 for PASCAL VOC).
        width: multiplier of every VGG convolution and of fc6/fc7 (1.0 for the paper's).
        dropout: rate after fc6 and fc7 (0.5, as in VGG-16).
        skip_scaling: scale pool4/pool3 by 0.01/0.0001 before scoring (the at-once FCN-8s).
        learn_final_upsampling: make the last upsampling trainable (fixed in the paper).
        name: model name (default `fcn{output_stride}s`).
    """
    if output_stride not in (32, 16, 8):
        raise ValueError(f"output_stride must be 32, 16 or 8, got {output_stride!r}")
    input_shape = tuple(input_shape) if input_shape is not None else (None, None, 3)
    for side in input_shape[:2]:
        if side is not None and side % 32:
            raise ValueError(f"FCN input sides must be multiples of 32 (pool5 has stride 32), "
                             f"got input shape {input_shape}")
    skips = {32: [], 16: ["pool4"], 8: ["pool4", "pool3"]}[output_stride]
    backbone = build_backbone("vgg16", levels=["pool5", *skips], input_shape=input_shape,
                              width=width)
    features = backbone.output
    hidden = max(1, round(4096 * width))
    x = layers.Conv2D(hidden, 7, padding="same", activation="relu", name="fc6")(features["pool5"])
    x = layers.Dropout(dropout, name="drop6")(x)
    x = layers.Conv2D(hidden, 1, activation="relu", name="fc7")(x)
    x = layers.Dropout(dropout, name="drop7")(x)
    scores = layers.Conv2D(classes, 1, kernel_initializer="zeros", name="score_fr")(x)
    for level in skips:  # pool4, then pool3: each doubles the resolution
        # Caffe's names: upscore2 before the pool4 skip, upscore_pool4 before pool3's.
        scores = _upsample(scores, 2, classes,
                           "upscore2" if level == "pool4" else "upscore_pool4", trainable=True)
        skip = features[level]
        if skip_scaling:
            skip = layers.Rescaling(AT_ONCE_SKIP_SCALES[level], name=f"scale_{level}")(skip)
        skip = layers.Conv2D(classes, 1, kernel_initializer="zeros", name=f"score_{level}")(skip)
        scores = layers.Add(name=f"fuse_{level}")([scores, skip])
    scores = _upsample(scores, output_stride, classes, f"upscore{output_stride}",
                       trainable=learn_final_upsampling)
    probabilities = layers.Activation("softmax", dtype="float32", name="scores")(scores)
    return keras.Model(backbone.input, probabilities, name=name or f"fcn{output_stride}s")


def _upsample(x, factor, classes, name, trainable):
    """×`factor` backwards strided convolution initialised to bilinear interpolation (§3.3)."""
    return layers.Conv2DTranspose(classes, 2 * factor - factor % 2, strides=factor,
                                  padding="same", use_bias=False,
                                  kernel_initializer=BilinearInitializer(), trainable=trainable,
                                  name=name)(x)


@register_model("fcn32s", task="segmentation", paper=PAPER, reference=_REFERENCE, tiny=_TINY)
def fcn32s(input_shape=None, classes=21, width=1.0, dropout=0.5,
           learn_final_upsampling=False, name="fcn32s"):
    """FCN-32s: class scores at stride 32, upsampled ×32 (Long et al. 2015, §4.1)."""
    return fully_convolutional_net(32, input_shape, classes, width, dropout, False,
                                   learn_final_upsampling, name)


@register_model("fcn16s", task="segmentation", paper=PAPER, reference=_REFERENCE, tiny=_TINY)
def fcn16s(input_shape=None, classes=21, width=1.0, dropout=0.5, skip_scaling=False,
           learn_final_upsampling=False, name="fcn16s"):
    """FCN-16s: stride-32 scores ×2 plus pool4 scores, upsampled ×16 (§4.2)."""
    return fully_convolutional_net(16, input_shape, classes, width, dropout, skip_scaling,
                                   learn_final_upsampling, name)


@register_model("fcn8s", task="segmentation", paper=PAPER, reference=_REFERENCE, tiny=_TINY)
def fcn8s(input_shape=None, classes=21, width=1.0, dropout=0.5, skip_scaling=False,
          learn_final_upsampling=False, name="fcn8s"):
    """FCN-8s: FCN-16s's fused scores ×2 plus pool3 scores, upsampled ×8 (§4.2)."""
    return fully_convolutional_net(8, input_shape, classes, width, dropout, skip_scaling,
                                   learn_final_upsampling, name)
