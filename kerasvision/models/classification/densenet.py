"""Densely connected networks (Huang, Liu, van der Maaten & Weinberger, Densely Connected
Convolutional Networks, CVPR 2017).

ImageNet DenseNet-121/169/201/264 (Table 1: growth k = 32, bottleneck and compression 0.5, four
dense blocks) reproduce keras.applications layer for layer, so `weights="imagenet"` loads Keras's
files for 121/169/201. The CIFAR networks (§4.1) have three dense blocks on 32×32, 16×16 and 8×8
maps: DenseNet (L=40, k=12) without bottleneck or compression, and DenseNet-BC with the 1×1
bottleneck to 4k before each 3×3 and compression θ = 0.5.
"""

import dataclasses

from keras import layers

from kerasvision.blocks.dense import BN_EPSILON, dense_block, transition_layer
from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
from kerasvision.models.applications_signature import applications_builder
from kerasvision.models.image_input import pooled_top
from kerasvision.registry import register_model

PAPER = ("Huang, Liu, van der Maaten & Weinberger, Densely Connected Convolutional Networks, "
         "CVPR 2017")

# A dense block's output is un-activated (each layer opens with BN-ReLU); activated, it is the
# BN-ReLU opening the transition that follows, and the last block's the final BN-ReLU.
FEATURE_LEVELS = {"C2": ("pool2_relu", 4), "C3": ("pool3_relu", 8), "C4": ("pool4_relu", 16),
                  "C5": ("relu", 32)}
FEATURE_LEVELS_CIFAR = {"stage1": ("transition1_relu", 1), "stage2": ("transition2_relu", 2),
                        "stage3": ("relu", 4)}


def DenseNet(blocks, app, *, growth_rate=32, weights_key=None):
    """The ImageNet DenseNet-BC family builder (Table 1), keras.applications' layer structure.

    Args:
        blocks: dense layers in each of the four dense blocks.
        app: the keras.applications arguments (ApplicationArguments).
        growth_rate: k; the stem has 2k channels.
        weights_key: keras.applications weight file key, or None where none fits.
    """
    app.check_weights(weights_key)
    inputs = app.image_input()
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = layers.Conv2D(2 * growth_rate, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = FusedBatchNormalization(axis=-1, epsilon=BN_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, num_layers in enumerate(blocks):
        x = dense_block(x, num_layers, growth_rate, name=f"conv{i + 2}")
        if i < len(blocks) - 1:
            x = transition_layer(x, 0.5, name=f"pool{i + 2}")
    x = FusedBatchNormalization(axis=-1, epsilon=BN_EPSILON, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = pooled_top(x, app.include_top, app.pooling, app.classes, app.classifier_activation)
    return app.model(inputs, x, weights_key)


def CifarDenseNet(depth, growth_rate, app, *, bottleneck=True, compression=0.5, dropout=0.0):
    """The CIFAR DenseNet family builder (§4.1): three dense blocks of equal depth.

    Args:
        depth: L; (L − 4)/3 layers per block, or (L − 4)/6 with `bottleneck` (two convs each).
        growth_rate: k.
        app: the keras.applications arguments (ApplicationArguments); a `name` of None becomes
            densenet[_bc]_{depth}_{growth_rate}.
        bottleneck: 1×1 convolution to 4k before each 3×3 (the "B" of BC).
        compression: θ of the transitions (0.5 for BC, 1.0 for plain DenseNet).
        dropout: after each convolution (the paper uses 0.2 without data augmentation).
    """
    per_layer = 6 if bottleneck else 3
    if depth < per_layer + 4 or (depth - 4) % per_layer:
        raise ValueError(f"{app.name}: depth must be {per_layer}n + 4, got {depth}")
    default_name = f"densenet{'_bc' if bottleneck else ''}_{depth}_{growth_rate}"
    app = dataclasses.replace(app, name=app.name or default_name)
    app.check_weights(None)
    n = (depth - 4) // per_layer
    inputs = app.image_input()
    # First convolution: 16 maps, or 2k for DenseNet-BC (§4.1).
    stem = 2 * growth_rate if (bottleneck and compression < 1) else 16
    x = layers.Conv2D(stem, 3, padding="same", use_bias=False, name="conv1_conv")(inputs)
    for i in range(3):
        x = dense_block(x, n, growth_rate, bottleneck, dropout, name=f"dense{i + 1}")
        if i < 2:
            x = transition_layer(x, compression, dropout, name=f"transition{i + 1}")
    x = FusedBatchNormalization(axis=-1, epsilon=BN_EPSILON, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = pooled_top(x, app.include_top, app.pooling, app.classes, app.classifier_activation)
    return app.model(inputs, x)


def _register_imagenet(name, blocks, reference, weights_key, doc):
    default_blocks = tuple(blocks)

    @register_model(name, task="classification", paper=PAPER, reference=reference,
                    tiny={"input_shape": (32, 32, 3), "classes": 10, "growth_rate": 8,
                          "blocks": (2, 2, 2, 2)},
                    feature_levels=FEATURE_LEVELS, imagenet_weights=weights_key)
    @applications_builder(name, doc=doc)
    def builder(app, growth_rate=32, blocks=blocks):
        published = growth_rate == 32 and tuple(blocks) == default_blocks
        return DenseNet(tuple(blocks), app, growth_rate=growth_rate,
                        weights_key=weights_key if published else None)

    return builder


def _register_cifar(name, depth, growth_rate, bottleneck, reference, doc):
    compression = 0.5 if bottleneck else 1.0

    @register_model(name, task="classification", paper=PAPER, reference=reference,
                    tiny={"input_shape": (32, 32, 3), "classes": 10,
                          "depth": 10 if bottleneck else 7, "growth_rate": 4},
                    feature_levels=FEATURE_LEVELS_CIFAR)
    @applications_builder(name, classes=10, default_input_shape=(32, 32, 3), doc=doc)
    def builder(app, depth=depth, growth_rate=growth_rate, dropout=0.0):
        return CifarDenseNet(depth, growth_rate, app, bottleneck=bottleneck,
                             compression=compression, dropout=dropout)

    return builder


densenet121 = _register_imagenet(
    "densenet121", (6, 12, 24, 16),
    {"params": 8_062_504, "count": "total", "source": "keras.applications.DenseNet121"},
    "densenet121", "DenseNet-121: dense blocks 6-12-24-16, k = 32 (Table 1).")
densenet169 = _register_imagenet(
    "densenet169", (6, 12, 32, 32),
    {"params": 14_307_880, "count": "total", "source": "keras.applications.DenseNet169",
     "slow": True},  # > 500 layers
    "densenet169", "DenseNet-169: dense blocks 6-12-32-32, k = 32 (Table 1).")
densenet201 = _register_imagenet(
    "densenet201", (6, 12, 48, 32),
    {"params": 20_242_984, "count": "total", "source": "keras.applications.DenseNet201",
     "slow": True},
    "densenet201", "DenseNet-201: dense blocks 6-12-48-32, k = 32 (Table 1).")
densenet264 = _register_imagenet(
    "densenet264", (6, 12, 64, 48),
    {"params": 33_337_704, "count": "trainable", "slow": True,
     "source": "Table 1 configuration, computed (not in keras.applications)"},
    None, "DenseNet-264: dense blocks 6-12-64-48, k = 32 (Table 1).")

# Table 2 rounds to 0.1M; each registration gets its rounding. 10 classes, trainable count.
densenet_40_12 = _register_cifar(
    "densenet_40_12", 40, 12, False,
    {"params": 1_000_000, "count": "trainable", "params_rel_tol": 0.05,
     "source": "Table 2: 1.0M (C10+ error 5.24%)"},
    "DenseNet (L=40, k=12): 12 layers per block, no bottleneck or compression.")
densenet_bc_100_12 = _register_cifar(
    "densenet_bc_100_12", 100, 12, True,
    {"params": 800_000, "count": "trainable", "params_rel_tol": 0.0625,
     "source": "Table 2: 0.8M (C10+ error 4.51%)"},
    "DenseNet-BC (L=100, k=12): 16 bottleneck layers per block, compression 0.5.")
densenet_bc_250_24 = _register_cifar(
    "densenet_bc_250_24", 250, 24, True,
    {"params": 15_300_000, "count": "trainable", "params_rel_tol": 0.0033, "slow": True,
     "source": "Table 2: 15.3M (C10+ error 3.62%)"},
    "DenseNet-BC (L=250, k=24): 41 bottleneck layers per block, compression 0.5.")
densenet_bc_190_40 = _register_cifar(
    "densenet_bc_190_40", 190, 40, True,
    {"params": 25_600_000, "count": "trainable", "params_rel_tol": 0.002, "slow": True,
     "source": "Table 2: 25.6M (C10+ error 3.46%)"},
    "DenseNet-BC (L=190, k=40): 31 bottleneck layers per block, compression 0.5.")
