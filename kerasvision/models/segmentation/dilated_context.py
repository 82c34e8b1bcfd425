"""Dilated front end and context module (Yu & Koltun, Multi-Scale Context Aggregation by
Dilated Convolutions, ICLR 2016).

Front end (§4): VGG-16 with pool4 and pool5 removed; the convolutions after each removed
pooling are dilated by 2 for each, so conv5 is dilated 2 and fc6 (a 7×7 convolution with 4096
filters) 4; fc7 is 1×1 with 4096; a 1×1 layer gives C class scores at stride 8.

Context module (§3, Table 1): seven 3×3 convolutions with dilations 1, 1, 2, 4, 8, 16, 1,
each followed by ReLU ("truncation"), and a 1×1 convolution without one. Receptive fields
grow 3, 5, 9, 17, 33, 65, 67, 67. The basic module keeps C channels throughout (64C²
weights); the large one has 2C, 2C, 4C, 8C, 16C, 32C, 32C, C. Both start as identity maps
(§3; kerasvision/layers/group_identity_initializer.py), the large one with noise ε that
breaks the symmetry between the copies of each class.

Choices (docs/segmentation.md): convolutions pad "same" rather than the paper's reflection
padding of the input by 186 pixels and "valid" layers, so the scores stay aligned at stride 8
for sides that are multiples of 8; they are brought to input size by fixed bilinear ×8
upsampling, as in the authors' joint model. The noise of the large module's initialisation
is σ = 0.001·C/c_out (the paper asks only σ ≪ C/c_out).
"""

import keras
from keras import layers

from kerasvision.layers.group_identity_initializer import GroupIdentityInitializer
from kerasvision.models.backbone import build_backbone
from kerasvision.registry import register_model

PAPER = ("Yu & Koltun, Multi-Scale Context Aggregation by Dilated Convolutions, ICLR 2016")

# Table 1: layers 1-7 are 3×3 with these dilations and ReLU; layer 8 is 1×1 without ReLU.
CONTEXT_DILATIONS = (1, 1, 2, 4, 8, 16, 1)
# Output channels of layers 1-8 in units of C (Table 1).
CONTEXT_WIDTHS = {"basic": (1, 1, 1, 1, 1, 1, 1, 1), "large": (2, 2, 4, 8, 16, 32, 32, 1)}
LARGE_NOISE = 1e-3  # σ in units of C/c_out


def apply_context_module(x, channels, variant="basic", name="context", seed=None):
    """The context module's eight layers applied to `x` (C = `channels` maps).

    Layer names: `{name}_conv1` ... `{name}_conv7`, `{name}_conv8` (the 1×1 layer).
    """
    if variant not in CONTEXT_WIDTHS:
        raise ValueError(f"variant must be one of {sorted(CONTEXT_WIDTHS)}, got {variant!r}")
    noise = LARGE_NOISE if variant == "large" else 0.0
    widths = CONTEXT_WIDTHS[variant]
    for i, (dilation, width) in enumerate(zip((*CONTEXT_DILATIONS, 1), widths), 1):
        last = i == len(widths)
        x = layers.Conv2D(width * channels, 1 if last else 3, dilation_rate=dilation,
                          padding="same", activation=None if last else "relu",
                          kernel_initializer=GroupIdentityInitializer(
                              channels, noise, None if seed is None else seed + i),
                          name=f"{name}_conv{i}")(x)
    return x


def context_module(channels, variant="basic", input_shape=None, name="context", seed=None):
    """The context module alone: a model from C maps `(H, W, C)` to C maps of the same size.

    Args:
        channels: C, the number of input and output maps (the classes).
        variant: "basic" (C channels) or "large" (2C ... 32C), Table 1.
        input_shape: (H, W, C) (default (None, None, C)).
        seed: seed of the large module's initial noise.
    """
    inputs = keras.Input(input_shape or (None, None, channels), name=f"{name}_input")
    return keras.Model(inputs, apply_context_module(inputs, channels, variant, name, seed),
                       name=name)


def dilated_front_end(input_shape=None, classes=21, width=1.0, dropout=0.5):
    """`(images, class scores at stride 8)`: VGG-16 without pool4/pool5, dilated (§4)."""
    backbone = build_backbone("vgg16", levels=["conv4_3"], input_shape=input_shape, width=width)
    x = backbone.output["conv4_3"]
    channels = max(1, round(512 * width))
    for c in (1, 2, 3):  # VGG-16's names, so that its weights load (vgg16_weights.py)
        x = layers.Conv2D(channels, 3, dilation_rate=2, padding="same", activation="relu",
                          name=f"block5_conv{c}")(x)
    hidden = max(1, round(4096 * width))
    x = layers.Conv2D(hidden, 7, dilation_rate=4, padding="same", activation="relu",
                      name="fc6")(x)
    x = layers.Dropout(dropout, name="drop6")(x)
    x = layers.Conv2D(hidden, 1, activation="relu", name="fc7")(x)
    x = layers.Dropout(dropout, name="drop7")(x)
    return backbone.input, layers.Conv2D(classes, 1, name="fc_final")(x)


@register_model(
    "dilated_context", task="segmentation", paper=PAPER,
    # The paper gives no total; computed from §4's front end and Table 1's basic module.
    reference={"params": 134_374_973, "slow": True,
               "source": "computed: VGG-16 front end (§4) 134,346,581 + basic context module "
                         "(Table 1) 64C² + 8C = 28,392 for C = 21"},
    tiny={"input_shape": (32, 32, 3), "classes": 3, "width": 1 / 64})
def dilated_context(input_shape=None, classes=21, width=1.0, dropout=0.5, context="basic",
                    name="dilated_context"):
    """Front end + context module + bilinear ×8 upsampling; softmax scores at input size.

    Args:
        input_shape: (H, W, C), sides multiples of 8 or None (default (None, None, 3)).
        classes: C (21 for PASCAL VOC).
        width: multiplier of the VGG convolutions and fc6/fc7 (1.0 for the paper's).
        dropout: rate after fc6 and fc7.
        context: "basic", "large" or None (the front end alone).
    """
    input_shape = tuple(input_shape) if input_shape is not None else (None, None, 3)
    for side in input_shape[:2]:
        if side is not None and side % 8:
            raise ValueError(f"dilated_context input sides must be multiples of 8 (the front "
                             f"end has stride 8), got input shape {input_shape}")
    images, scores = dilated_front_end(input_shape, classes, width, dropout)
    if context is not None:
        scores = apply_context_module(scores, classes, context)
    scores = layers.UpSampling2D(8, interpolation="bilinear", name="upsample8")(scores)
    probabilities = layers.Activation("softmax", dtype="float32", name="scores")(scores)
    return keras.Model(images, probabilities, name=name)
