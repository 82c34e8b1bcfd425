"""CIFAR residual networks: ResNet-20/32/44/56/110/1202 (He, Zhang, Ren & Sun, Deep Residual
Learning for Image Recognition, CVPR 2016, §4.2) and the pre-activation bottleneck ResNet-164/1001
(He et al., Identity Mappings in Deep Residual Networks, ECCV 2016, §4, Table 5).

Three stages on 32×32, 16×16 and 8×8 maps; the first unit of stages 2 and 3 strides by 2, its
shortcut strided too. ResNet-(6n+2) has n basic units per stage of 16, 32, 64 channels with
option-A shortcuts (zero-padded identity, no parameters) by default; pre-activation ResNet-(9n+2)
has n bottleneck units per stage of widths 16, 32, 64 (outputs ×4), projection shortcuts where
the width changes.
"""

import sys

import dataclasses

from keras import layers

from kerasvision.blocks.residual import basic_unit, preact_bottleneck_unit
from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
from kerasvision.models.applications_signature import applications_builder
from kerasvision.models.image_input import pooled_top
from kerasvision.registry import register_model

PAPER_V1 = "He, Zhang, Ren & Sun, Deep Residual Learning for Image Recognition, CVPR 2016"
PAPER_V2 = "He, Zhang, Ren & Sun, Identity Mappings in Deep Residual Networks, ECCV 2016"
STAGE_WIDTHS = (16, 32, 64)  # CVPR 2016 §4.2

# The three stages at strides 1, 2, 4: the last (ReLU-ed) unit output of each.
FEATURE_LEVELS = {f"stage{s}": (rf"stage{s}_unit\d+_out", 2 ** (s - 1)) for s in (1, 2, 3)}
# Pre-activation units leave their sum un-activated: a stage's output, activated, is the
# pre-activation (BN-ReLU) opening the next stage, and the last stage's the final BN-ReLU.
FEATURE_LEVELS_PREACT = {"stage1": ("stage2_unit1_preact_relu", 1),
                         "stage2": ("stage3_unit1_preact_relu", 2), "stage3": ("post_relu", 4)}


def CifarResNet(depth, app, *, preact=False, shortcut="A", width=1.0):
    """The CIFAR ResNet family builder.

    Args:
        depth: 6n + 2 (basic units) or, with `preact`, 9n + 2 (bottleneck units).
        app: the keras.applications arguments (ApplicationArguments); a `name` of None becomes
            resnet{depth} or preact_resnet{depth}.
        preact: pre-activation bottleneck units (ECCV 2016) instead of post-activation basic units.
        shortcut: basic units only: "A" zero-padded identity or "B" 1×1 projection (+BN) where
            the width changes (§3.3).
        width: multiplier of the stage widths (1.0 for the published model).
    """
    per_unit, unit_kind = (9, "bottleneck") if preact else (6, "basic")
    if depth < per_unit + 2 or (depth - 2) % per_unit:
        raise ValueError(f"{app.name}: depth must be {per_unit}n + 2 for {unit_kind} units, "
                         f"got {depth}")
    if shortcut not in ("A", "B"):
        raise ValueError(f"shortcut must be 'A' or 'B', got {shortcut!r}")
    default_name = f"{'preact_' if preact else ''}resnet{depth}"
    app = dataclasses.replace(app, name=app.name or default_name)
    app.check_weights(None)
    n = (depth - 2) // per_unit
    # Keras maps (and reloads) a functional graph recursively, a few Python frames per unit
    # along the shortcut path: ResNet-1202's 600 units overflow the default limit of 1000.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 2000 + 12 * 3 * n))
    inputs = app.image_input()

    x = layers.Conv2D(max(1, round(16 * width)), 3, padding="same", use_bias=False,
                      name="conv1_conv")(inputs)
    if not preact:
        x = FusedBatchNormalization(name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    for s, stage_width in enumerate(STAGE_WIDTHS):
        f = max(1, round(stage_width * width))
        for u in range(1, n + 1):
            stride = 2 if (s > 0 and u == 1) else 1
            unit_name = f"stage{s + 1}_unit{u}"
            if preact:
                x = preact_bottleneck_unit(x, f, stride, name=unit_name)
            else:
                changes = stride > 1 or x.shape[-1] != f
                kind = ("A" if shortcut == "A" else "projection") if changes else "identity"
                x = basic_unit(x, f, stride, kind, use_bias=False, epsilon=1e-3, name=unit_name)
    if preact:
        x = FusedBatchNormalization(name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    x = pooled_top(x, app.include_top, app.pooling, app.classes, app.classifier_activation)
    return app.model(inputs, x)


def _register(name, depth, preact, params, rel_tol, source, doc, slow=False):
    tiny_depth = 11 if preact else 8

    @register_model(
        name, task="classification", paper=PAPER_V2 if preact else PAPER_V1,
        reference={"params": params, "count": "trainable", "params_rel_tol": rel_tol,
                   "source": source, "slow": slow},
        tiny={"input_shape": (32, 32, 3), "classes": 10, "depth": tiny_depth},
        feature_levels=FEATURE_LEVELS_PREACT if preact else FEATURE_LEVELS)
    @applications_builder(name, classes=10, default_input_shape=(32, 32, 3), doc=doc)
    def builder(app, depth=depth, shortcut="A", width=1.0):
        return CifarResNet(depth, app, preact=preact, shortcut=shortcut, width=width)

    return builder


# Trainable counts with 10 classes and option-A shortcuts; Table 6 prints them rounded to
# 0.01M (0.1M for 1202), so each gets its rounding as tolerance; the computed exact values
# (docs/references.md) are tested separately. Over 500 layers counts as slow (contract rule).
_T6 = "He et al. 2016, Table 6"
resnet20 = _register("resnet20", 20, False, 270_000, 0.019, f"{_T6}: 0.27M (CIFAR-10 8.75%)",
                     "CIFAR ResNet-20: 3 basic units per stage, 0.27M parameters.")
resnet32 = _register("resnet32", 32, False, 460_000, 0.011, f"{_T6}: 0.46M (CIFAR-10 7.51%)",
                     "CIFAR ResNet-32: 5 basic units per stage, 0.46M parameters.")
resnet44 = _register("resnet44", 44, False, 660_000, 0.008, f"{_T6}: 0.66M (CIFAR-10 7.17%)",
                     "CIFAR ResNet-44: 7 basic units per stage, 0.66M parameters.")
resnet56 = _register("resnet56", 56, False, 850_000, 0.006, f"{_T6}: 0.85M (CIFAR-10 6.97%)",
                     "CIFAR ResNet-56: 9 basic units per stage, 0.85M parameters.")
resnet110 = _register("resnet110", 110, False, 1_700_000, 0.03, f"{_T6}: 1.7M (CIFAR-10 6.43%)",
                      "CIFAR ResNet-110: 18 basic units per stage, 1.7M parameters.")
resnet1202 = _register("resnet1202", 1202, False, 19_400_000, 0.003,
                       f"{_T6}: 19.4M (CIFAR-10 7.93%)",
                       "CIFAR ResNet-1202: 200 basic units per stage, 19.4M parameters.",
                       slow=True)
preact_resnet164 = _register(
    "preact_resnet164", 164, True, 1_700_000, 0.03,
    "He et al. ECCV 2016, Table 5: 1.7M (CIFAR-10 5.46%)",
    "Pre-activation ResNet-164: 18 bottleneck units per stage, 1.7M parameters.", slow=True)
preact_resnet1001 = _register(
    "preact_resnet1001", 1001, True, 10_200_000, 0.015,
    # The standard layout (fb.resnet.torch) has 10,327,706, 1.25% above the paper's 10.2M:
    # wider than the paper's rounding, so this one gets 1.5%.
    "He et al. ECCV 2016, Table 5: 10.2M (CIFAR-10 4.92%); layout computed 10,327,706",
    "Pre-activation ResNet-1001: 111 bottleneck units per stage, 10.2M parameters.", slow=True)
