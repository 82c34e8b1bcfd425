"""SegNet (Badrinarayanan, Kendall & Cipolla, SegNet: A Deep Convolutional Encoder-Decoder
Architecture for Image Segmentation, TPAMI 2017).

Encoder (§3): VGG-16's thirteen 3×3 convolutions, each with batch normalisation and ReLU, and
2×2 max poolings that keep their indices; no fully connected layers (134M → 14.7M encoder
parameters). Decoder: for each pooling from the deepest, unpooling with its indices (no
learned upsampling) and 3×3 convolutions with batch normalisation and ReLU mirroring the
block's (the last narrowing to the width of the block below, as in the authors' Caffe net);
the last decoder convolution gives the class scores, then softmax. About 29.5M parameters;
this layout has 29,455,125 trainable for 21 classes.

Pooling pads "same" and unpooling restores the pooled map's own shape, so any input size
works (odd sides included).
"""

import keras
from keras import layers

from kerasvision.layers.max_unpooling_2d import MaxUnpooling2D
from kerasvision.models.segmentation.vgg16_switch_encoder import (
    VGG16_BLOCKS, conv_bn_relu, decoder_widths, vgg16_switch_encoder)
from kerasvision.registry import register_model

PAPER = ("Badrinarayanan, Kendall & Cipolla, SegNet: A Deep Convolutional Encoder-Decoder "
         "Architecture for Image Segmentation, TPAMI 2017")


@register_model(
    "segnet", task="segmentation", paper=PAPER,
    reference={"params": 29_500_000, "count": "trainable", "params_rel_tol": 0.05 / 29.5,
               "slow": True,
               "source": "29.5M (SegNet, Badrinarayanan et al. 2017; Paszke et al., ENet, "
                         "2016, Table 3: 29.46M); computed 29,455,125 for 21 classes"},
    tiny={"input_shape": (32, 32, 3), "classes": 3, "width": 1 / 32})
def segnet(input_shape=None, classes=21, width=1.0, name="segnet"):
    """SegNet: softmax class scores at input size.

    Args:
        input_shape: (H, W, C) (default (None, None, 3); the paper trains on 360×480).
        classes: number of classes.
        width: multiplier of every convolution (1.0 for the paper's).
    """
    images = keras.Input(tuple(input_shape) if input_shape is not None else (None, None, 3),
                         name="images")
    x, switches = vgg16_switch_encoder(images, width)
    for block in range(len(VGG16_BLOCKS), 0, -1):
        pooled_input, argmax = switches[block - 1]
        x = MaxUnpooling2D(2, name=f"unpool{block}")([x, argmax, pooled_input])
        widths = decoder_widths(block, width)
        # The decoder numbers its convolutions downwards: conv5_3_D first (the Caffe names).
        for i, filters in enumerate(widths):
            conv_name = f"conv{block}_{len(widths) - i}_D"
            if block == 1 and i == len(widths) - 1:
                x = layers.Conv2D(classes, 3, padding="same", name=conv_name)(x)
            else:
                x = conv_bn_relu(x, filters, conv_name)
    probabilities = layers.Activation("softmax", dtype="float32", name="scores")(x)
    return keras.Model(images, probabilities, name=name)
