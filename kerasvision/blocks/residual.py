"""Residual units (He et al., Deep Residual Learning for Image Recognition, CVPR 2016; Identity
Mappings in Deep Residual Networks, ECCV 2016).

Layer names follow keras.applications (`{name}_0_conv` is the projection shortcut,
`{name}_1_conv`... the residual branch) so that ImageNet weight files load by layer order.
"""

from keras import layers

from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
from kerasvision.layers.zero_padded_identity import ZeroPaddedIdentity

# keras.applications' BatchNormalization epsilon (its ported Caffe weights were trained with it).
BN_EPSILON = 1.001e-5


def _bn(x, name, epsilon=BN_EPSILON):
    return FusedBatchNormalization(axis=-1, epsilon=epsilon, name=name)(x)


def _padded_conv3x3(x, filters, stride, use_bias, name):
    # Explicit symmetric padding, so stride 2 aligns as in Caffe/torchvision (pad 1).
    x = layers.ZeroPadding2D(1, name=f"{name}_pad")(x)
    return layers.Conv2D(filters, 3, strides=stride, use_bias=use_bias, name=name)(x)


def _shortcut(x, filters, stride, shortcut, use_bias, name, epsilon):
    """Identity, option-A zero-padded identity, or a 1×1 projection with BN (option B)."""
    if shortcut == "identity":
        return x
    if shortcut == "A":
        return ZeroPaddedIdentity(filters, stride, name=f"{name}_0_pad")(x)
    if shortcut == "projection":
        y = layers.Conv2D(filters, 1, strides=stride, use_bias=use_bias, name=f"{name}_0_conv")(x)
        return _bn(y, f"{name}_0_bn", epsilon)
    raise ValueError(f"shortcut must be 'identity', 'A' or 'projection', got {shortcut!r}")


def basic_unit(x, filters, stride=1, shortcut="identity", use_bias=False, epsilon=BN_EPSILON,
               name="unit"):
    """Two 3×3 convolutions with a shortcut, ReLU after the addition (CVPR 2016, Fig. 2 left).

    The first convolution and the shortcut carry the stride. `shortcut` is "identity", "A"
    (zero-padded identity, §3.3) or "projection" (option B's 1×1 convolution).
    """
    sc = _shortcut(x, filters, stride, shortcut, use_bias, name, epsilon)
    y = _padded_conv3x3(x, filters, stride, use_bias, f"{name}_1_conv")
    y = _bn(y, f"{name}_1_bn", epsilon)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = _padded_conv3x3(y, filters, 1, use_bias, f"{name}_2_conv")
    y = _bn(y, f"{name}_2_bn", epsilon)
    y = layers.Add(name=f"{name}_add")([sc, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def bottleneck_unit_v1(x, filters, stride=1, conv_shortcut=True, use_bias=True, name="unit"):
    """1×1 (stride), 3×3, 1×1 ×4 with BN, shortcut added before the last ReLU (Fig. 5 right).

    Exactly keras.applications' `residual_block_v1`: the stride sits in the first 1×1
    convolution and in the projection shortcut.
    """
    if conv_shortcut:
        sc = layers.Conv2D(4 * filters, 1, strides=stride, use_bias=use_bias,
                           name=f"{name}_0_conv")(x)
        sc = _bn(sc, f"{name}_0_bn")
    else:
        sc = x
    y = layers.Conv2D(filters, 1, strides=stride, use_bias=use_bias, name=f"{name}_1_conv")(x)
    y = _bn(y, f"{name}_1_bn")
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=use_bias, name=f"{name}_2_conv")(y)
    y = _bn(y, f"{name}_2_bn")
    y = layers.Activation("relu", name=f"{name}_2_relu")(y)
    y = layers.Conv2D(4 * filters, 1, use_bias=use_bias, name=f"{name}_3_conv")(y)
    y = _bn(y, f"{name}_3_bn")
    y = layers.Add(name=f"{name}_add")([sc, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def bottleneck_unit_v2(x, filters, stride=1, conv_shortcut=False, name="unit"):
    """Pre-activation bottleneck (ECCV 2016, Fig. 1b), as keras.applications' `residual_block_v2`.

    BN-ReLU first; the projection shortcut takes the pre-activated input; an identity shortcut
    with a stride is a 1×1 max pooling (pure subsampling); the stride sits in the 3×3.
    """
    pre = _bn(x, f"{name}_preact_bn")
    pre = layers.Activation("relu", name=f"{name}_preact_relu")(pre)
    if conv_shortcut:
        sc = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(pre)
    elif stride > 1:
        sc = layers.MaxPooling2D(1, strides=stride, name=f"{name}_0_pool")(x)
    else:
        sc = x
    y = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_1_conv")(pre)
    y = _bn(y, f"{name}_1_bn")
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.ZeroPadding2D(1, name=f"{name}_2_pad")(y)
    y = layers.Conv2D(filters, 3, strides=stride, use_bias=False, name=f"{name}_2_conv")(y)
    y = _bn(y, f"{name}_2_bn")
    y = layers.Activation("relu", name=f"{name}_2_relu")(y)
    y = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(y)
    return layers.Add(name=f"{name}_out")([sc, y])


def preact_bottleneck_unit(x, filters, stride=1, epsilon=1e-3, name="unit"):
    """Pre-activation bottleneck of the CIFAR ResNet-164/1001 (ECCV 2016, §4; fb.resnet.torch).

    BN-ReLU, 1×1, BN-ReLU, 3×3 (stride), BN-ReLU, 1×1 to 4·filters, no biases; where the width or
    the stride changes the shortcut is a 1×1 projection of the pre-activated input.
    """
    out = 4 * filters
    pre = _bn(x, f"{name}_preact_bn", epsilon)
    pre = layers.Activation("relu", name=f"{name}_preact_relu")(pre)
    if stride != 1 or x.shape[-1] != out:
        sc = layers.Conv2D(out, 1, strides=stride, use_bias=False, name=f"{name}_0_conv")(pre)
    else:
        sc = x
    y = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_1_conv")(pre)
    y = _bn(y, f"{name}_1_bn", epsilon)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = _padded_conv3x3(y, filters, stride, False, f"{name}_2_conv")
    y = _bn(y, f"{name}_2_bn", epsilon)
    y = layers.Activation("relu", name=f"{name}_2_relu")(y)
    y = layers.Conv2D(out, 1, use_bias=False, name=f"{name}_3_conv")(y)
    return layers.Add(name=f"{name}_out")([sc, y])
