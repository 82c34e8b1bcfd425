"""Full-resolution residual networks (Pohlen, Hermans, Mathias & Leibe, Full-Resolution Residual
Networks for Semantic Segmentation in Street Scenes, CVPR 2017).

Two streams run side by side (§3.2): a residual stream of 32 channels that stays at the input
resolution, and a pooling stream that goes down and up like an encoder-decoder. They meet in
full-resolution residual units (FRRUs, Fig. 3): the residual stream, max-pooled to the pooling
stream's scale, is concatenated to it; two 3×3 conv-BN-ReLU give the new pooling stream; a 1×1
convolution to 32 channels, up-sampled back to full resolution, is added to the residual stream.

The layout is Table 1: a 5×5 convolution to 48 channels and three residual units (RU48) at full
resolution; a 1×1 convolution splits off the residual stream; the encoder's FRRUs at 1/2, 1/4,
1/8 and 1/16 (96, 192, 384, 384 channels; 3, 4, 2, 2 units), the decoder's at 1/8, 1/4, 1/2
(192, 192, 96; 2 units each); the streams are concatenated again at full resolution, followed by
three RU48 and a 1×1 classifier with a softmax. FRRN B adds a level at 1/32 (2 × FRRU384) and its
mirror at 1/16 (2 × FRRU192). Choices the table leaves open follow the authors' code
(github.com/TobyPDE/FRRN, `dltools/architectures.py`): convolutions before a BN have no bias; a
residual unit is conv-BN-ReLU-conv-BN plus its input, without a ReLU after the sum, and a 1×1
projection (no BN) where the width changes; the stream split is a 1×1 conv with BN; the FRRU's
1×1 convolution has a bias and is up-sampled by repetition (nearest neighbour); the pooling stream
is unpooled by bilinear up-sampling.
"""

from keras import Model, layers

from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
from kerasvision.models.image_input import image_input
from kerasvision.registry import register_model

PAPER = ("Pohlen, Hermans, Mathias & Leibe, Full-Resolution Residual Networks for Semantic "
         "Segmentation in Street Scenes, CVPR 2017")

# Table 1 as (FRRUs, width in multiples of the 48-channel base) per level; every encoder level
# halves the resolution, every decoder level doubles it.
FRRN_A = {"encoder": ((3, 2), (4, 4), (2, 8), (2, 8)),
          "decoder": ((2, 4), (2, 4), (2, 2))}
FRRN_B = {"encoder": ((3, 2), (4, 4), (2, 8), (2, 8), (2, 8)),
          "decoder": ((2, 4), (2, 4), (2, 4), (2, 2))}


def _conv_bn(x, filters, size, name, relu=True):
    """Convolution without bias, batch normalisation, optionally a ReLU."""
    x = layers.Conv2D(filters, size, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = FusedBatchNormalization(axis=-1, name=f"{name}_bn")(x)
    if relu:
        x = layers.Activation("relu", name=f"{name}_relu")(x)
    return x


def residual_unit(x, filters, name):
    """RU (Fig. 2a, He et al.'s unit): two 3×3 conv-BN, the second without ReLU, plus the input
    (through a 1×1 projection when the width changes)."""
    shortcut = x
    if x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_projection")(x)
    y = _conv_bn(x, filters, 3, f"{name}_1")
    y = _conv_bn(y, filters, 3, f"{name}_2", relu=False)
    return layers.Add(name=f"{name}_add")([shortcut, y])


def full_resolution_residual_unit(pooled, residual, filters, scale, name):
    """FRRU (Fig. 3): returns the new pooling stream and the updated residual stream.

    Args:
        pooled: the pooling stream at 1/`scale` of the input resolution.
        residual: the full-resolution residual stream.
        filters: width of the two 3×3 convolutions (the unit's subscript in Table 1).
        scale: the pooling stream's down-sampling factor.
    """
    lanes = residual.shape[-1]
    seen = layers.MaxPooling2D(scale, name=f"{name}_pool_residual")(residual)
    y = layers.Concatenate(axis=-1, name=f"{name}_concat")([pooled, seen])
    y = _conv_bn(y, filters, 3, f"{name}_1")
    y = _conv_bn(y, filters, 3, f"{name}_2")
    update = layers.Conv2D(lanes, 1, name=f"{name}_to_residual")(y)
    update = layers.UpSampling2D(scale, name=f"{name}_upsample")(update)
    return y, layers.Add(name=f"{name}_add")([residual, update])


def FRRN(layout, input_shape, classes, base_filters, residual_channels, frru_units, name):
    """The FRRN family builder: `layout` is FRRN_A or FRRN_B (Table 1).

    Args:
        input_shape: (H, W, C); H and W, where known, must be multiples of 2^levels.
        classes: per-pixel classes (19 for Cityscapes, the paper's).
        base_filters: the full-resolution width (48); the FRRUs' widths are its multiples.
        residual_channels: width of the residual stream (32).
        frru_units: FRRUs at every level instead of Table 1's counts (None), for small variants.
    """
    levels = len(layout["encoder"])
    inputs = image_input(None, input_shape, (None, None, 3), min_size=2 ** levels,
                         model_name=name)
    for side in inputs.shape[1:3]:
        if side is not None and side % 2 ** levels:
            raise ValueError(f"{name}: input sides must be multiples of {2 ** levels} "
                             f"({levels} poolings), got {tuple(inputs.shape[1:])}")
    x = _conv_bn(inputs, base_filters, 5, "stem")
    for i in range(3):
        x = residual_unit(x, base_filters, f"stem_ru{i + 1}")
    residual = _conv_bn(x, residual_channels, 1, "split", relu=False)
    pooled, scale = x, 1
    for level, (units, multiple) in enumerate(layout["encoder"], start=1):
        pooled = layers.MaxPooling2D(2, name=f"encoder{level}_pool")(pooled)
        scale *= 2
        for unit in range(frru_units or units):
            pooled, residual = full_resolution_residual_unit(
                pooled, residual, base_filters * multiple, scale,
                f"encoder{level}_frru{unit + 1}")
    for level, (units, multiple) in enumerate(layout["decoder"], start=1):
        pooled = layers.UpSampling2D(2, interpolation="bilinear",
                                     name=f"decoder{level}_unpool")(pooled)
        scale //= 2
        for unit in range(frru_units or units):
            pooled, residual = full_resolution_residual_unit(
                pooled, residual, base_filters * multiple, scale,
                f"decoder{level}_frru{unit + 1}")
    pooled = layers.UpSampling2D(2, interpolation="bilinear", name="merge_unpool")(pooled)
    x = layers.Concatenate(axis=-1, name="merge_concat")([pooled, residual])
    for i in range(3):
        x = residual_unit(x, base_filters, f"head_ru{i + 1}")
    scores = layers.Conv2D(classes, 1, activation="softmax", name="pixel_scores")(x)
    return Model(inputs, scores, name=name)


# Both counts are trainable parameters for Cityscapes' 19 classes; the paper rounds to 0.1M, so
# the tolerance is half a unit of the last digit.
@register_model(
    "frrn_a", task="segmentation", paper=PAPER,
    reference={"params": 17_700_000, "count": "trainable", "params_rel_tol": 0.05 / 17.7,
               "config": {"classes": 19},
               "source": "Pohlen et al. 2017, Cityscapes results table: FRRN A 17.7M "
                         "(computed 17,746,803)"},
    tiny={"input_shape": (32, 32, 3), "classes": 3, "base_filters": 2, "residual_channels": 2,
          "frru_units": 1})
def frrn_a(input_shape=None, classes=21, base_filters=48, residual_channels=32,
           frru_units=None, name="frrn_a"):
    """FRRN A: four pooling levels, down to 1/16 (Table 1, left).

    Trained on quarter-size Cityscapes images (256×512).

    Args:
        input_shape: (H, W, C), sides multiples of 16; None: any such size, 3 channels.
        classes: per-pixel classes.
        base_filters: full-resolution width (48); FRRU widths scale with it (96 ... 384).
        residual_channels: residual-stream width (32).
        frru_units: FRRUs per level instead of Table 1's (None), for small variants.
        name: model name.
    """
    return FRRN(FRRN_A, input_shape, classes, base_filters, residual_channels,
                frru_units, name)


@register_model(
    "frrn_b", task="segmentation", paper=PAPER,
    reference={"params": 24_800_000, "count": "trainable", "params_rel_tol": 0.05 / 24.8,
               "config": {"classes": 19},
               "source": "Pohlen et al. 2017, Cityscapes results table: FRRN B 24.8M "
                         "(computed 24,755,699)"},
    tiny={"input_shape": (32, 32, 3), "classes": 3, "base_filters": 2, "residual_channels": 2,
          "frru_units": 1})
def frrn_b(input_shape=None, classes=21, base_filters=48, residual_channels=32,
           frru_units=None, name="frrn_b"):
    """FRRN B: FRRN A plus a fifth pooling level, at 1/32 (Table 1, right).

    Trained on half-size Cityscapes images (512×1024); 71.8% IoU on the Cityscapes test set.

    Args:
        input_shape: (H, W, C), sides multiples of 32; None: any such size, 3 channels.
        classes: per-pixel classes.
        base_filters: full-resolution width (48); FRRU widths scale with it (96 ... 384).
        residual_channels: residual-stream width (32).
        frru_units: FRRUs per level instead of Table 1's (None), for small variants.
        name: model name.
    """
    return FRRN(FRRN_B, input_shape, classes, base_filters, residual_channels,
                frru_units, name)
