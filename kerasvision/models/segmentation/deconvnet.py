"""DeconvNet (Noh, Hong & Han, Learning Deconvolution Network for Semantic Segmentation, ICCV
2015): a VGG-16 encoder and its mirror image, unpooling with the encoder's switches and
deconvolution (Table 1).

Encoder: VGG-16's thirteen 3×3 convolutions and five 2×2 poolings that remember their argmax
(vgg16_switch_encoder.py), fc6 a "valid" 7×7 convolution with 4096 filters (224 → 7 → 1×1),
fc7 a 1×1 convolution with 4096. Decoder: deconv-fc6, a 7×7 transposed convolution back to
7×7×512, then for each pooling from the deepest, unpooling with its switches (§3.2) followed
by 3×3 transposed convolutions mirroring the block's convolutions (the last narrowing to the
width of the block below), and a 1×1 convolution giving class scores at input size. Every
convolution and deconvolution is followed by batch normalisation (§3.3) and ReLU. The
paper's total is 252M parameters (the SegNet paper's comparison); this layout has 251,805,653
trainable for 21 classes.

The input is fixed: its sides are 32·`fc_kernel_size` (224 for the paper's 7), so that pool5
is exactly fc6's window. The tiny variant uses fc_kernel_size=2 on 64×64.
"""

import keras
from keras import layers

from kerasvision.layers.max_unpooling_2d import MaxUnpooling2D
from kerasvision.models.segmentation.vgg16_switch_encoder import (
    VGG16_BLOCKS, conv_bn_relu, decoder_widths, scaled, vgg16_switch_encoder)
from kerasvision.registry import register_model

PAPER = ("Noh, Hong & Han, Learning Deconvolution Network for Semantic Segmentation, "
         "ICCV 2015")


@register_model(
    "deconvnet", task="segmentation", paper=PAPER,
    reference={"params": 252_000_000, "count": "trainable", "params_rel_tol": 0.5 / 252,
               "slow": True,
               "source": "252M (DeconvNet in Badrinarayanan et al., SegNet, TPAMI 2017); "
                         "Noh et al. Table 1 layout computes 251,805,653"},
    tiny={"input_shape": (64, 64, 3), "classes": 3, "width": 1 / 32, "fc_kernel_size": 2})
def deconvnet(input_shape=None, classes=21, width=1.0, fc_kernel_size=7, name="deconvnet"):
    """DeconvNet: softmax class scores at input size.

    Args:
        input_shape: (H, W, C) with H = W = 32·fc_kernel_size (default (224, 224, 3)).
        classes: number of classes, background included (21 for PASCAL VOC).
        width: multiplier of every convolution and deconvolution (1.0 for the paper's).
        fc_kernel_size: fc6's (and deconv-fc6's) window, pool5's side (7 in the paper).
    """
    side = 32 * fc_kernel_size
    input_shape = tuple(input_shape) if input_shape is not None else (side, side, 3)
    if tuple(input_shape[:2]) != (side, side):
        raise ValueError(f"deconvnet with fc_kernel_size={fc_kernel_size} takes {side}×{side} "
                         f"inputs (pool5 must be fc6's {fc_kernel_size}×{fc_kernel_size} "
                         f"window), got input shape {input_shape}")
    images = keras.Input(input_shape, name="images")
    x, switches = vgg16_switch_encoder(images, width)
    hidden = scaled(4096, width)
    x = conv_bn_relu(x, hidden, "fc6", kernel_size=fc_kernel_size, padding="valid")
    x = conv_bn_relu(x, hidden, "fc7", kernel_size=1)
    x = conv_bn_relu(x, scaled(VGG16_BLOCKS[-1][1], width), "deconv6", transpose=True,
                     kernel_size=fc_kernel_size, padding="valid")
    for block in range(len(VGG16_BLOCKS), 0, -1):
        pooled_input, argmax = switches[block - 1]
        x = MaxUnpooling2D(2, name=f"unpool{block}")([x, argmax, pooled_input])
        for i, filters in enumerate(decoder_widths(block, width), 1):
            x = conv_bn_relu(x, filters, f"deconv{block}_{i}", transpose=True)
    scores = layers.Conv2D(classes, 1, name="score")(x)
    probabilities = layers.Activation("softmax", dtype="float32", name="scores")(scores)
    return keras.Model(images, probabilities, name=name)
