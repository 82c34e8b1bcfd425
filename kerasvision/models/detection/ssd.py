"""SSD300 and SSD512 (Liu, Anguelov, Erhan, Szegedy, Reed, Fu & Berg, SSD: Single Shot
MultiBox Detector, ECCV 2016) on their VGG16 base.

The base (§3 "Base network", and the authors' Caffe release): VGG16 through conv5_3 from
`build_backbone("vgg16")`, pool5 changed to 3×3 stride 1, fc6 and fc7 turned into a 3×3
convolution with dilation 6 (1024 channels) and a 1×1 convolution (1024), conv4_3
L2-normalised with a learned scale starting at 20, then extra layers of 1×1 then 3×3
convolutions down to a 1×1 map. Six maps (38, 19, 10, 5, 3, 1) for SSD300, seven (64 … 1) for
SSD512, with 4 or 6 default boxes per position: 8,732 and 24,564 boxes (tested). The default
box sizes are the release's (default_boxes.scale_sizes). Pixels 0–255 RGB in; the Caffe
ImageNet preprocessing (BGR, mean subtraction) runs inside the graph, so `weights="imagenet"`
starts the base from keras.applications' VGG16 as the paper starts from ImageNet VGG16.
"""

import keras
from keras import layers

from kerasvision.layers.imagenet_preprocessing import ImageNetPreprocessing
from kerasvision.layers.l2_normalization import L2Normalization
from kerasvision.models.backbone import build_backbone
from kerasvision.models.detection.default_boxes import scale_sizes
from kerasvision.models.detection.single_shot_detector import SingleShotDetector
from kerasvision.registry import register_model

PAPER = ("Liu, Anguelov, Erhan, Szegedy, Reed, Fu & Berg, SSD: Single Shot MultiBox "
         "Detector, ECCV 2016")

# Extra layers after fc7 (Caffe release): (1×1 channels, 3×3 channels, stride, padding).
EXTRAS_300 = ((256, 512, 2, "same"), (128, 256, 2, "same"), (128, 256, 1, "valid"),
              (128, 256, 1, "valid"))
EXTRAS_512 = ((256, 512, 2, "same"), (128, 256, 2, "same"), (128, 256, 2, "same"),
              (128, 256, 2, "same"), (128, 256, "4x4", "valid"))
RATIOS_300 = ((2,), (2, 3), (2, 3), (2, 3), (2,), (2,))
RATIOS_512 = ((2,), (2, 3), (2, 3), (2, 3), (2, 3), (2,), (2,))
STEPS_300 = (8, 16, 32, 64, 100, 300)
STEPS_512 = (8, 16, 32, 64, 128, 256, 512)


def _scaled(channels, width):
    return max(1, int(round(channels * width)))


def vgg16_ssd_features(image_shape, extras, width=1.0, weights=None):
    """The SSD base: pixels -> [conv4_3 (L2-normalised), fc7, extra maps...]."""
    inputs = keras.Input(image_shape, name="image")
    x = ImageNetPreprocessing("caffe", name="caffe_preprocessing")(inputs)
    vgg = build_backbone("vgg16", levels=["conv4_3", "conv5_3"], input_tensor=x,
                         width=width, weights=weights)
    conv4_3, conv5_3 = vgg.outputs
    sources = [L2Normalization(20.0, name="conv4_3_norm")(conv4_3)]
    x = layers.MaxPooling2D(3, strides=1, padding="same", name="pool5")(conv5_3)
    x = layers.Conv2D(_scaled(1024, width), 3, dilation_rate=6, padding="same",
                      activation="relu", name="fc6")(x)
    x = layers.Conv2D(_scaled(1024, width), 1, activation="relu", name="fc7")(x)
    sources.append(x)
    for i, (reduce, channels, stride, padding) in enumerate(extras, start=8):
        x = layers.Conv2D(_scaled(reduce, width), 1, activation="relu", name=f"conv{i}_1")(x)
        if stride == "4x4":  # SSD512's last layer: 4×4 kernel, padding 1 (2×2 -> 1×1)
            x = layers.ZeroPadding2D(1, name=f"conv{i}_2_pad")(x)
            x = layers.Conv2D(_scaled(channels, width), 4, activation="relu",
                              name=f"conv{i}_2")(x)
        else:
            x = layers.Conv2D(_scaled(channels, width), 3, strides=stride, padding=padding,
                              activation="relu", name=f"conv{i}_2")(x)
        sources.append(x)
    return keras.Model(inputs, sources, name="vgg16_ssd_features")


def _ssd(side, extras, ratios, steps, sizes, num_classes, width, weights, name, **kwargs):
    features = vgg16_ssd_features((side, side, 3), extras, width, weights)
    min_sizes, max_sizes = sizes
    return SingleShotDetector(features, num_classes, min_sizes, max_sizes, ratios, steps,
                              name=name, **kwargs)


# Parameters for PASCAL VOC (20 classes + background): 26,285,486 in ssd.pytorch's SSD300,
# which holds the same layers (VGG16 convs, fc6/fc7, extras, conv4_3 L2Norm scales, heads).
@register_model("ssd300", task="detection", paper=PAPER,
                reference={"params": 26_285_486, "config": {"num_classes": 20}, "slow": True,
                           "source": "ssd.pytorch SSD300 for VOC (the Caffe model's layers)"},
                tiny={"num_classes": 3, "width": 1 / 16})
def ssd300(num_classes=20, width=1.0, weights=None, max_detections=100, **kwargs):
    """SSD300: 300×300 input, six maps, 8,732 default boxes (§3, Table 7 'SSD300')."""
    # Caffe ssd_pascal.py: conv4_3 at 10–20 %, the others 20 % to 90 % in steps of 17 %.
    sizes = scale_sizes(300, 6, min_ratio=20, max_ratio=90, first_ratios=(10, 20))
    return _ssd(300, EXTRAS_300, RATIOS_300, STEPS_300, sizes, num_classes, width, weights,
                "ssd300", max_detections=max_detections, **kwargs)


@register_model("ssd512", task="detection", paper=PAPER,
                # The paper gives no count; ours, for VOC: SSD300's layers plus conv12 and a
                # seventh pair of heads.
                reference={"measured": "27,188,676 parameters for 20 classes",
                           "source": "counted here from the Caffe release's layers"},
                tiny={"num_classes": 3, "width": 1 / 16})
def ssd512(num_classes=20, width=1.0, weights=None, max_detections=100, **kwargs):
    """SSD512: 512×512 input, seven maps, 24,564 default boxes."""
    # Caffe ssd_pascal_512.py: conv4_3 at 7–15 %, the others 15 % to 90 % in steps of 15 %.
    sizes = scale_sizes(512, 7, min_ratio=15, max_ratio=90, first_ratios=(7, 15))
    return _ssd(512, EXTRAS_512, RATIOS_512, STEPS_512, sizes, num_classes, width, weights,
                "ssd512", max_detections=max_detections, **kwargs)
