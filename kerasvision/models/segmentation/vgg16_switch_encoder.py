"""VGG-16's thirteen convolutions with batch normalisation and argmax ("switch") pooling: the
encoder of DeconvNet (Noh, Hong & Han, ICCV 2015, §3.1, Table 1) and SegNet (Badrinarayanan,
Kendall & Cipolla, TPAMI 2017, §3).

Both papers put batch normalisation after every convolution and keep the max-pooling indices
for their decoders' unpooling, so neither can take `build_backbone("vgg16")` (plain max
pooling, no batch normalisation). The layout is VGG-16's (configuration D of Simonyan &
Zisserman, ICLR 2015, Table 1), and the convolutions keep its names (`block1_conv1` ...
`block5_conv3`, with biases), so trained VGG-16 convolutions load by name
(`vgg16_weights.transfer_vgg16_weights`).
"""

from keras import layers

from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
from kerasvision.layers.max_pooling_with_argmax_2d import MaxPoolingWithArgmax2D

# (convolutions, channels) of VGG-16's five blocks (configuration D).
VGG16_BLOCKS = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))


def scaled(channels, width):
    """A layer width times the multiplier `width`, at least one channel."""
    return max(1, round(channels * width))


def conv_bn_relu(x, filters, name, transpose=False, kernel_size=3, padding="same"):
    """A 3×3 convolution (or transposed convolution), batch normalisation and ReLU."""
    conv = layers.Conv2DTranspose if transpose else layers.Conv2D
    x = conv(filters, kernel_size, padding=padding, name=name)(x)
    x = FusedBatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def vgg16_switch_encoder(x, width=1.0):
    """`(pool5, switches)`: switches[b] = (the block's pooled input, its argmax), b = 0..4.

    Pooling pads "same" (a last odd row or column forms its own window); the decoders
    unpool into the shape of the pooled input, so every index lands inside the map.
    """
    switches = []
    for b, (convs, channels) in enumerate(VGG16_BLOCKS, 1):
        for c in range(1, convs + 1):
            x = conv_bn_relu(x, scaled(channels, width), f"block{b}_conv{c}")
        pooled, argmax = MaxPoolingWithArgmax2D(2, padding="same", name=f"block{b}_pool")(x)
        switches.append((x, argmax))
        x = pooled
    return x, switches


def decoder_widths(block, width=1.0):
    """Output channels of the decoder convolutions mirroring `block` (1..5): the block's width,
    the last one narrowing to the width of the block below (Noh et al., Table 1)."""
    convs, channels = VGG16_BLOCKS[block - 1]
    below = VGG16_BLOCKS[block - 2][1] if block > 1 else channels
    return [scaled(channels, width)] * (convs - 1) + [scaled(below, width)]
