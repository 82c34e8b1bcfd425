"""ImageNet residual networks: ResNet-18/34/50/101/152 (He, Zhang, Ren & Sun, Deep Residual
Learning for Image Recognition, CVPR 2016) and the pre-activation ResNet-50/101/152 v2 (He et al.,
Identity Mappings in Deep Residual Networks, ECCV 2016).

ResNet-50/101/152 and the v2s reproduce keras.applications layer for layer (conv biases
included), so `weights="imagenet"` loads Keras's files; ResNet-18/34 follow torchvision (basic
units, no conv biases). `width` scales every channel count and `blocks` the units per stage, for
small experiments; the registered reference counts use the defaults.
"""

from keras import layers

from kerasvision.blocks.residual import (basic_unit, bottleneck_unit_v1, bottleneck_unit_v2,
                                         BN_EPSILON)
from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
from kerasvision.models.applications_signature import applications_builder
from kerasvision.models.image_input import pooled_top
from kerasvision.registry import register_model

PAPER_V1 = "He, Zhang, Ren & Sun, Deep Residual Learning for Image Recognition, CVPR 2016"
PAPER_V2 = "He, Zhang, Ren & Sun, Identity Mappings in Deep Residual Networks, ECCV 2016"
STAGE_FILTERS = (64, 128, 256, 512)  # CVPR 2016, Table 1

# C2-C5: the last (ReLU-ed) unit output of conv2_x ... conv5_x, at strides 4-32.
FEATURE_LEVELS = {f"C{s}": (rf"conv{s}_block\d+_out", 2 ** s) for s in range(2, 6)}
# Pre-activation units leave their sum un-activated, and keras.applications' v2 strides in
# the last unit of conv2-conv4: the full-width map a resolution ends with, activated, is the
# pre-activation (BN-ReLU) opening that last unit; C5 is the final BN-ReLU.
FEATURE_LEVELS_V2 = {**{f"C{s}": (rf"conv{s}_block\d+_preact_relu", 2 ** s)
                        for s in range(2, 5)}, "C5": ("post_relu", 32)}


def _scaled(channels, width):
    return max(1, int(round(channels * width)))


def _stack(x, version, blocks, width, use_bias, epsilon):
    for s, (units, filters) in enumerate(zip(blocks, STAGE_FILTERS)):
        f = _scaled(filters, width)
        stage = f"conv{s + 2}"
        for u in range(1, units + 1):
            name = f"{stage}_block{u}"
            if version == "basic":
                stride = 2 if (s > 0 and u == 1) else 1
                changes = stride > 1 or x.shape[-1] != f
                x = basic_unit(x, f, stride, "projection" if changes else "identity",
                               use_bias, epsilon, name)
            elif version == "v1":
                stride = 2 if (s > 0 and u == 1) else 1
                x = bottleneck_unit_v1(x, f, stride, conv_shortcut=(u == 1), use_bias=use_bias,
                                       name=name)
            else:
                # keras.applications v2: the last unit of stages 2-4 strides.
                stride = 2 if (u == units and s < 3) else 1
                x = bottleneck_unit_v2(x, f, stride, conv_shortcut=(u == 1), name=name)
    return x


def ResNet(blocks, version, app, *, use_bias, weights_key, width=1.0, epsilon=BN_EPSILON):
    """The ResNet family builder shared by the registered variants.

    Args:
        blocks: units per stage (conv2_x ... conv5_x).
        version: "basic" (two 3×3), "v1" (post-activation bottleneck) or "v2" (pre-activation).
        app: the keras.applications arguments (ApplicationArguments).
        use_bias: convolution biases (keras.applications' ResNets have them).
        weights_key: the keras.applications weight file key, or None where no file fits.
        width: multiplier of every channel count (1.0 for the published model).
    """
    app.check_weights(weights_key)
    inputs = app.image_input()
    preact = version == "v2"
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = layers.Conv2D(_scaled(64, width), 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = FusedBatchNormalization(axis=-1, epsilon=epsilon, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = _stack(x, version, blocks, width, use_bias, epsilon)
    if preact:
        x = FusedBatchNormalization(axis=-1, epsilon=epsilon, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    x = pooled_top(x, app.include_top, app.pooling, app.classes, app.classifier_activation)
    return app.model(inputs, x, weights_key)


def _register(name, blocks, version, paper, reference, weights_key, doc, tiny=None):
    use_bias = version != "basic"
    epsilon = 1e-5 if version == "basic" else BN_EPSILON  # torchvision's for 18/34
    default_blocks = tuple(blocks)

    @register_model(name, task="classification", paper=paper, reference=reference,
                    tiny=tiny or {"input_shape": (32, 32, 3), "classes": 10, "width": 0.125,
                                  "blocks": (1, 1, 1, 1)},
                    feature_levels=FEATURE_LEVELS_V2 if version == "v2" else FEATURE_LEVELS,
                    imagenet_weights=weights_key)
    @applications_builder(name, doc=doc)
    def builder(app, width=1.0, blocks=blocks):
        published = width == 1.0 and tuple(blocks) == default_blocks
        return ResNet(tuple(blocks), version, app, use_bias=use_bias,
                      weights_key=weights_key if published else None, width=width,
                      epsilon=epsilon)

    return builder


def _keras(total, app, slow=False):
    return {"params": total, "count": "total", "source": f"keras.applications.{app}",
            "slow": slow}


resnet18 = _register(
    "resnet18", (2, 2, 2, 2), "basic", PAPER_V1,
    {"params": 11_689_512, "count": "trainable", "source": "torchvision resnet18"}, None,
    "ResNet-18: basic units 2-2-2-2 (Table 1), torchvision layout.",
    tiny={"input_shape": (32, 32, 3), "classes": 10, "width": 0.125})
resnet34 = _register(
    "resnet34", (3, 4, 6, 3), "basic", PAPER_V1,
    {"params": 21_797_672, "count": "trainable", "source": "torchvision resnet34"}, None,
    "ResNet-34: basic units 3-4-6-3 (Table 1), torchvision layout.")
resnet50 = _register(
    "resnet50", (3, 4, 6, 3), "v1", PAPER_V1,
    _keras(25_636_712, "ResNet50"), "resnet50",
    "ResNet-50 (v1): bottleneck units 3-4-6-3, as keras.applications.ResNet50.")
resnet101 = _register(
    "resnet101", (3, 4, 23, 3), "v1", PAPER_V1,
    _keras(44_707_176, "ResNet101"), "resnet101",
    "ResNet-101 (v1): bottleneck units 3-4-23-3, as keras.applications.ResNet101.")
resnet152 = _register(
    "resnet152", (3, 8, 36, 3), "v1", PAPER_V1,
    _keras(60_419_944, "ResNet152", slow=True), "resnet152",
    "ResNet-152 (v1): bottleneck units 3-8-36-3, as keras.applications.ResNet152.")
resnet50_v2 = _register(
    "resnet50_v2", (3, 4, 6, 3), "v2", PAPER_V2,
    _keras(25_613_800, "ResNet50V2"), "resnet50v2",
    "ResNet-50 v2: pre-activation bottlenecks 3-4-6-3, as keras.applications.ResNet50V2.")
resnet101_v2 = _register(
    "resnet101_v2", (3, 4, 23, 3), "v2", PAPER_V2,
    _keras(44_675_560, "ResNet101V2"), "resnet101v2",
    "ResNet-101 v2: pre-activation bottlenecks 3-4-23-3, as keras.applications.ResNet101V2.")
resnet152_v2 = _register(
    "resnet152_v2", (3, 8, 36, 3), "v2", PAPER_V2,
    _keras(60_380_648, "ResNet152V2", slow=True), "resnet152v2",
    "ResNet-152 v2: pre-activation bottlenecks 3-8-36-3, as keras.applications.ResNet152V2.")
