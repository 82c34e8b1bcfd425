"""Wide residual networks (Zagoruyko & Komodakis, Wide Residual Networks, BMVC 2016).

WRN-d-k: a CIFAR-style ResNet of pre-activation basic units (BN-ReLU-conv3×3 twice, optional
dropout between), (d − 4)/6 units in each of three stages of 16k, 32k and 64k channels, the
first unit of stages 2 and 3 strided by 2 with a 1×1 projection shortcut. Widening instead of
deepening uses the CPU's (and GPU's) matrix units better at equal accuracy, which is why the
shipped Fashion-MNIST classifier is a small WRN.
"""

import dataclasses

import keras
from keras import layers

from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
from kerasvision.models.applications_signature import applications_builder
from kerasvision.models.image_input import pooled_top
from kerasvision.registry import register_model

# Pre-activation units leave their sum un-activated: a stage's output, activated, is the
# BN-ReLU opening the next stage's first unit, and the last stage's the final BN-ReLU.
FEATURE_LEVELS = {"stage1": ("stage2_unit1_relu1", 1), "stage2": ("stage3_unit1_relu1", 2),
                  "stage3": ("final_relu", 4)}


def _pre_activation_unit(x, channels, stride, dropout, weight_decay, name):
    reg = keras.regularizers.L2(weight_decay) if weight_decay else None
    conv = dict(padding="same", use_bias=False, kernel_initializer="he_normal",
                kernel_regularizer=reg)
    pre = FusedBatchNormalization(name=f"{name}_bn1")(x)
    pre = layers.ReLU(name=f"{name}_relu1")(pre)
    # The projection shortcut takes the pre-activated input, as in the authors' code.
    if stride != 1 or x.shape[-1] != channels:
        shortcut = layers.Conv2D(channels, 1, strides=stride, name=f"{name}_shortcut",
                                 **conv)(pre)
    else:
        shortcut = x
    y = layers.Conv2D(channels, 3, strides=stride, name=f"{name}_conv1", **conv)(pre)
    y = FusedBatchNormalization(name=f"{name}_bn2")(y)
    y = layers.ReLU(name=f"{name}_relu2")(y)
    if dropout:
        y = layers.Dropout(dropout, name=f"{name}_dropout")(y)
    y = layers.Conv2D(channels, 3, name=f"{name}_conv2", **conv)(y)
    return layers.Add(name=f"{name}_add")([shortcut, y])


def WideResNet(app, depth=28, width=10, dropout=0.0, weight_decay=0.0, stage_widths=None):
    """WRN-depth-width.

    Args:
        app: the keras.applications arguments (ApplicationArguments); a `name` of None becomes
            wrn_{depth}_{width}.
        depth: total depth d; (d − 4) must divide by 6.
        width: widening factor k (stage widths 16k, 32k, 64k, rounded); a fraction such as 2.25
            (36/72/144 channels) fits a budget between two whole factors.
        dropout: dropout rate between the two convolutions of a unit (the paper uses 0.3).
        weight_decay: L2 coefficient on convolution kernels (the paper: 5e-4).
        stage_widths: three channel counts that replace 16k, 32k, 64k. Widening only the last
            stage, which runs at the lowest resolution, adds parameters for the fewest
            multiply-adds: (32, 64, 160) trained at 1.16× the time an epoch of (32, 64, 128)
            on a 2-core CPU, where width 2.25 (36/72/144) took 2.1× (benchmarks/RESULTS.md).
    """
    if (depth - 4) % 6:
        raise ValueError(f"WRN depth must be 6n + 4, got {depth}")
    if stage_widths is not None and len(stage_widths) != 3:
        raise ValueError(f"WRN stage_widths must give three channel counts, got {stage_widths}")
    label = "-".join(str(c) for c in stage_widths) if stage_widths else f"{width:g}"
    app = dataclasses.replace(app, name=app.name or f"wrn_{depth}_{label}")
    app.check_weights(None)  # no ImageNet weights exist for wide ResNets
    units = (depth - 4) // 6
    inputs = app.image_input()

    x = layers.Conv2D(16, 3, padding="same", use_bias=False, kernel_initializer="he_normal",
                      name="stem_conv")(inputs)
    widths = (list(stage_widths) if stage_widths else
              [round(base * width) for base in (16, 32, 64)])
    if min(widths) < 1:
        raise ValueError("WRN width must give at least one channel, got "
                         f"{stage_widths if stage_widths else width}")
    for stage, channels in enumerate(widths, start=1):
        for unit in range(1, units + 1):
            stride = 2 if (stage > 1 and unit == 1) else 1
            x = _pre_activation_unit(x, channels, stride, dropout, weight_decay,
                                     name=f"stage{stage}_unit{unit}")
    x = FusedBatchNormalization(name="final_bn")(x)
    x = layers.ReLU(name="final_relu")(x)
    x = pooled_top(x, app.include_top, app.pooling, app.classes, app.classifier_activation)
    # With an input_tensor (e.g. a task's normalisation layer), the model starts at its sources.
    return app.model(inputs, x)


def _register(depth, width, params, rel_tol, note):
    name = f"wrn_{depth}_{width}"

    @register_model(
        name,
        task="classification",
        paper="Zagoruyko & Komodakis, Wide Residual Networks, BMVC 2016",
        reference={"params": params, "count": "trainable", "params_rel_tol": rel_tol,
                   "source": note, "slow": params > 20_000_000},
        tiny={"input_shape": (16, 16, 3), "classes": 5, "width": 1} if depth <= 16 else
             {"input_shape": (16, 16, 3), "classes": 5, "width": 1, "depth": 10},
        feature_levels=FEATURE_LEVELS,
    )
    # name=None: the model is named after the depth and width it is built with. The input
    # layer keeps the name "image" the shipped model was saved with.
    @applications_builder(None, classes=10, default_input_shape=(32, 32, 3), input_name="image",
                          doc=f"WRN-{depth}-{width}: {note}.")
    def builder(app, depth=depth, width=width, dropout=0.0, weight_decay=0.0,
                stage_widths=None):
        return WideResNet(app, depth, width, dropout, weight_decay, stage_widths)

    builder.__name__ = builder.__qualname__ = name
    return builder


# Trainable counts, 10 classes. The paper (Table 4) rounds to 0.1M, so its rows get 1%;
# WRN-16-2 is not in the paper: its count is computed and exact.
wrn_16_2 = _register(16, 2, 691_674, 0.0, "widths 32/64/128, 0.69M; the shipped Fashion-MNIST classifier")
wrn_16_8 = _register(16, 8, 11_000_000, 0.01, "paper Table 4: 11.0M parameters")
wrn_28_10 = _register(28, 10, 36_500_000, 0.01, "paper Table 4: 36.5M parameters")
wrn_40_4 = _register(40, 4, 8_900_000, 0.01, "paper Table 4: 8.9M parameters")
