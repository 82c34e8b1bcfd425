"""DSSD321 and DSSD513 (Fu, Liu, Ranga, Tyagi & Berg, DSSD: Deconvolutional Single Shot
Detector, arXiv 1701.06659, 2017) on ResNet-101.

SSD (ssd.py) with a ResNet-101 base (§3.1), a top-down pathway of deconvolution modules and a
prediction module before each pair of heads (§3.2; dssd_features.py). Registered as two names,
like the paper's two published models: `dssd321` (321×321 input, six maps) and `dssd513`
(513×513, seven maps).

Where the paper states a choice we follow it:
- base: ResNet-101 (`build_backbone("resnet101")`, keras.applications' layout, so
  `weights="imagenet"` starts from ImageNet as the paper does), conv3_x feeding the first map;
- default boxes: aspect ratios (1.6, 2.0, 3.0) on every map (§3.3, from clustering the
  training boxes), i.e. 1, 1.6, 1/1.6, 2, 1/2, 3, 1/3 and SSD's extra square: 8 per position;
- deconvolution modules of 512 channels merged by a product; prediction modules 256/256/1024
  with a 1024 projection shortcut (Figs. 2(c) and 3).

Where we had to choose (docs/detection.md, "DSSD"):
- The paper's ResNet makes conv5_x stride 16 (dilated, as in the authors' Caffe ResNet-101
  SSD) and predicts from conv3_x and conv5_x, then from extra layers (Table 1).
  `build_backbone` has no dilated conv5_x, so we predict from C3 (conv3_x, stride 8), C4
  (conv4_x, stride 16) and C5 (conv5_x, stride 32), then from extra layers: the same strides
  and number of maps, with C5 in the place of the first extra layer.
- Keras' ResNet pads where Caffe rounds its pooling up, so odd inputs give maps of
  ⌈side/2^k⌉: 41, 21, 11, 6, 3, 1 at 321 and 65, 33, 17, 9, 5, 3, 1 at 513 (18,312 and 45,752
  default boxes) where Caffe's arithmetic gives 40, 20, 10, 5, 3, 1 and 64, ..., 2, 1.
- Extra layers: SSD's pattern (1×1 conv 256 then 3×3 conv 512, stride 2; the last 3×3 valid,
  3×3 to 1×1), with BN after each convolution as the authors' ResNet SSD scripts add it.
- Default box sizes: the paper does not list them; SSD's rule (default_boxes.scale_sizes)
  with SSD300's ratios for DSSD321 and SSD512's for DSSD513; centres spread evenly,
  step = side / map size.
"""

import keras
from keras import layers

from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
from kerasvision.layers.imagenet_preprocessing import ImageNetPreprocessing
from kerasvision.models.backbone import build_backbone
from kerasvision.models.detection.default_boxes import scale_sizes
from kerasvision.models.detection.dssd_features import dssd_features
from kerasvision.models.detection.single_shot_detector import SingleShotDetector
from kerasvision.registry import register_model

PAPER = ("Fu, Liu, Ranga, Tyagi & Berg, DSSD: Deconvolutional Single Shot Detector, "
         "arXiv 1701.06659, 2017")

# Extra layers after C5: (1×1 channels, 3×3 channels, stride, padding).
EXTRAS_321 = ((256, 512, 2, "same"), (256, 512, 2, "same"), (256, 512, 1, "valid"))
EXTRAS_513 = ((256, 512, 2, "same"), (256, 512, 2, "same"), (256, 512, 2, "same"),
              (256, 512, 1, "valid"))
# §3.3: (1.6, 2.0, 3.0) at every prediction layer.
ASPECT_RATIOS = (1.6, 2.0, 3.0)


def _scaled(channels, width):
    return max(1, int(round(channels * width)))


def _conv_bn_relu(x, filters, kernel, stride, padding, name):
    x = layers.Conv2D(filters, kernel, strides=stride, padding=padding, use_bias=False,
                      name=name)(x)
    x = FusedBatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def resnet101_ssd_features(image_shape, extras, width=1.0, blocks=None, weights=None):
    """The SSD part of DSSD: pixels -> [C3, C4, C5, extra maps...] (module doc)."""
    inputs = keras.Input(image_shape, name="image")
    x = ImageNetPreprocessing("caffe", name="caffe_preprocessing")(inputs)
    resnet_kwargs = {} if blocks is None else {"blocks": tuple(blocks)}
    resnet = build_backbone("resnet101", levels=["C3", "C4", "C5"], input_tensor=x,
                            width=width, weights=weights, **resnet_kwargs)
    levels = resnet.output
    sources = [levels["C3"], levels["C4"], levels["C5"]]
    x = sources[-1]
    for i, (reduce, channels, stride, padding) in enumerate(extras, start=6):
        x = _conv_bn_relu(x, _scaled(reduce, width), 1, 1, "valid", f"conv{i}_1")
        x = _conv_bn_relu(x, _scaled(channels, width), 3, stride, padding, f"conv{i}_2")
        sources.append(x)
    return keras.Model(inputs, sources, name="resnet101_ssd_features")


def _dssd(side, extras, sizes, num_classes, width, blocks, weights, name, **kwargs):
    base = resnet101_ssd_features((side, side, 3), extras, width, blocks, weights)
    features = dssd_features(base, channels=_scaled(512, width),
                             bottleneck=_scaled(256, width),
                             prediction_channels=_scaled(1024, width))
    map_sides = [int(out.shape[1]) for out in features.outputs]
    min_sizes, max_sizes = sizes
    return SingleShotDetector(features, num_classes, min_sizes, max_sizes,
                              [ASPECT_RATIOS] * len(map_sides),
                              [side / n for n in map_sides], name=name, **kwargs)


_TINY = {"num_classes": 3, "width": 1 / 32, "blocks": (1, 1, 1, 1)}


@register_model("dssd321", task="detection", paper=PAPER,
                # The paper gives no parameter count; ours is checked against a count by hand
                # in tests/models/detection/test_dssd.py (slow).
                reference={"measured": "114,069,552 parameters for 20 classes",
                           "source": "counted here (module doc: C3-C5 sources, BN extras)"},
                tiny=_TINY)
def dssd321(num_classes=20, width=1.0, blocks=None, weights=None, max_detections=100,
            **kwargs):
    """DSSD321: 321×321 input, six maps (41 ... 1), 18,312 default boxes, ResNet-101."""
    # SSD300's sizes (Caffe ssd_pascal.py): first map 10-20 %, the others 20 % to 90 %.
    sizes = scale_sizes(321, 6, min_ratio=20, max_ratio=90, first_ratios=(10, 20))
    return _dssd(321, EXTRAS_321, sizes, num_classes, width, blocks, weights, "dssd321",
                 max_detections=max_detections, **kwargs)


@register_model("dssd513", task="detection", paper=PAPER,
                reference={"measured": "126,345,464 parameters for 20 classes",
                           "source": "counted here (module doc: C3-C5 sources, BN extras)"},
                tiny=_TINY)
def dssd513(num_classes=20, width=1.0, blocks=None, weights=None, max_detections=100,
            **kwargs):
    """DSSD513: 513×513 input, seven maps (65 ... 1), 45,752 default boxes, ResNet-101."""
    # SSD512's sizes (Caffe ssd_pascal_512.py): first map 7-15 %, the others 15 % to 90 %.
    sizes = scale_sizes(513, 7, min_ratio=15, max_ratio=90, first_ratios=(7, 15))
    return _dssd(513, EXTRAS_513, sizes, num_classes, width, blocks, weights, "dssd513",
                 max_detections=max_detections, **kwargs)
