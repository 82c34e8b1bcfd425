"""Dense blocks and transition layers (Huang, Liu, van der Maaten & Weinberger, Densely Connected
Convolutional Networks, CVPR 2017).

Layer names follow keras.applications' DenseNet (`{name}_block{i}_1_conv`, `{name}_concat`,
transition `{name}_conv`/`{name}_pool`) so ImageNet weight files load by layer order.
"""

from keras import layers

from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization

BN_EPSILON = 1.001e-5


def dense_layer(x, growth_rate, bottleneck=True, dropout=0.0, name="layer"):
    """H_ℓ: BN-ReLU-(1×1 conv to 4k, BN-ReLU)-3×3 conv to k, concatenated to its input (§3).

    Without `bottleneck` it is BN-ReLU-3×3 conv (the plain DenseNet of Table 2's top rows).
    """
    y = FusedBatchNormalization(axis=-1, epsilon=BN_EPSILON, name=f"{name}_0_bn")(x)
    y = layers.Activation("relu", name=f"{name}_0_relu")(y)
    if bottleneck:
        # "each 1×1 convolution produce[s] 4k feature-maps" (§3, Bottleneck layers).
        y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
        if dropout:
            y = layers.Dropout(dropout, name=f"{name}_1_dropout")(y)
        y = FusedBatchNormalization(axis=-1, epsilon=BN_EPSILON, name=f"{name}_1_bn")(y)
        y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    if dropout:
        y = layers.Dropout(dropout, name=f"{name}_2_dropout")(y)
    return layers.Concatenate(axis=-1, name=f"{name}_concat")([x, y])


def dense_block(x, num_layers, growth_rate, bottleneck=True, dropout=0.0, name="block"):
    """`num_layers` dense layers; the output has input + num_layers·k channels."""
    for i in range(num_layers):
        x = dense_layer(x, growth_rate, bottleneck, dropout, name=f"{name}_block{i + 1}")
    return x


def transition_layer(x, compression=0.5, dropout=0.0, name="transition"):
    """BN-ReLU, 1×1 conv to ⌊θ·m⌋ maps, 2×2 average pooling (§3, Transition layers; θ=compression).

    The pooling pads odd sides ("same"), which changes nothing at even sides (all of them at
    224×224) and lets 28×28 inputs pass through three transitions.
    """
    x = FusedBatchNormalization(axis=-1, epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[-1] * compression), 1, use_bias=False, name=f"{name}_conv")(x)
    if dropout:
        x = layers.Dropout(dropout, name=f"{name}_dropout")(x)
    return layers.AveragePooling2D(2, strides=2, padding="same", name=f"{name}_pool")(x)
