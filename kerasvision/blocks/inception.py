"""The Inception module of GoogLeNet (Szegedy et al., Going Deeper with Convolutions, CVPR 2015).
"""

from keras import layers


def _conv_relu(x, filters, kernel_size, name):
    return layers.Conv2D(filters, kernel_size, padding="same", activation="relu", name=name)(x)


def inception_module(x, filters, name="inception"):
    """Four parallel branches concatenated along channels (§4, Fig. 2b).

    Args:
        filters: (#1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj) as in Table 1; the 1×1
            reductions before the 3×3 and 5×5 convolutions and the 1×1 projection after the 3×3
            max pooling keep the width in check. Every convolution is followed by ReLU.
    """
    b1, r3, b3, r5, b5, proj = filters
    branch1 = _conv_relu(x, b1, 1, f"{name}_1x1")
    branch3 = _conv_relu(_conv_relu(x, r3, 1, f"{name}_3x3_reduce"), b3, 3, f"{name}_3x3")
    branch5 = _conv_relu(_conv_relu(x, r5, 1, f"{name}_5x5_reduce"), b5, 5, f"{name}_5x5")
    pooled = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    branch_pool = _conv_relu(pooled, proj, 1, f"{name}_pool_proj")
    return layers.Concatenate(axis=-1, name=f"{name}_output")([branch1, branch3, branch5,
                                                                branch_pool])
