"""U-Net (Ronneberger, Fischer & Brox, U-Net: Convolutional Networks for Biomedical Image
Segmentation, MICCAI 2015).

Contracting path (§2, Fig. 1): four steps of two 3×3 convolutions with ReLU and a 2×2 max
pooling, doubling the channels from 64 to 512, then two 3×3 convolutions with 1024 and
dropout ("drop-out layers at the end of the contracting path", §3.1). Expanding path: four
steps of a 2×2 up-convolution halving the channels, concatenation with the contracting
path's map of that level (cropped to the same size), and two 3×3 convolutions with ReLU; a
1×1 convolution gives the class scores, then softmax.

`padding="valid"` is the paper's network: unpadded convolutions shrink every map, a 572×572
tile gives a 388×388 segmentation map (Fig. 1), the skips are centre-cropped, and there are
31,030,658 parameters for one input channel and two classes. `padding="same"` keeps every
size, so the output has the input's size (sides multiples of 16), as the segmentation
contract asks.
"""

import keras
from keras import layers

from kerasvision.registry import register_model

PAPER = ("Ronneberger, Fischer & Brox, U-Net: Convolutional Networks for Biomedical Image "
         "Segmentation, MICCAI 2015")
DEPTH = 4  # poolings (and up-convolutions)


@register_model(
    "unet", task="segmentation", paper=PAPER,
    reference={"params": 31_030_658, "slow": True,
               "config": {"input_shape": (572, 572, 1), "classes": 2, "padding": "valid"},
               "source": "Ronneberger et al. 2015, Fig. 1 (one input channel, two classes), "
                         "computed; the paper gives no total"},
    tiny={"input_shape": (32, 32, 3), "classes": 3, "base_filters": 2})
def unet(input_shape=None, classes=21, base_filters=64, padding="same", dropout=0.5,
         name="unet"):
    """U-Net: softmax class scores, at input size for "same" padding.

    Args:
        input_shape: (H, W, C). "same": sides multiples of 16 or None (default
            (None, None, 3)); "valid": known sides for which every pooled map is even
            (572 in the paper).
        classes: number of classes (2 in the paper).
        base_filters: channels of the first level (64 in the paper), doubled at each level.
        padding: "valid" (the paper's) or "same".
        dropout: rate at the end of the contracting path.
    """
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    input_shape = tuple(input_shape) if input_shape is not None else (None, None, 3)
    _check_sides(input_shape, padding)
    images = keras.Input(input_shape, name="images")
    x, skips = images, []
    for level in range(DEPTH):
        x = _double_conv(x, base_filters * 2 ** level, padding, f"down{level + 1}")
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{level + 1}")(x)
    x = _double_conv(x, base_filters * 2 ** DEPTH, padding, "bottom")
    x = layers.Dropout(dropout, name="bottom_dropout")(x)
    for level in range(DEPTH - 1, -1, -1):
        filters = base_filters * 2 ** level
        x = layers.Conv2DTranspose(filters, 2, strides=2, name=f"upconv{level + 1}")(x)
        skip = _center_crop(skips[level], x, f"crop{level + 1}")
        x = layers.Concatenate(name=f"concat{level + 1}")([skip, x])
        x = _double_conv(x, filters, padding, f"up{level + 1}")
    scores = layers.Conv2D(classes, 1, name="score")(x)
    probabilities = layers.Activation("softmax", dtype="float32", name="scores")(scores)
    return keras.Model(images, probabilities, name=name)


def _double_conv(x, filters, padding, name):
    for i in (1, 2):
        x = layers.Conv2D(filters, 3, padding=padding, activation="relu",
                          name=f"{name}_conv{i}")(x)
    return x


def _center_crop(skip, like, name):
    """`skip` cut to `like`'s size around its centre (the grey arrows of Fig. 1)."""
    cuts = []
    for have, want in zip(skip.shape[1:3], like.shape[1:3]):
        if have is None or want is None or have == want:
            cuts.append((0, 0))
        else:
            cuts.append(((have - want) // 2, have - want - (have - want) // 2))
    return skip if cuts == [(0, 0), (0, 0)] else layers.Cropping2D(cuts, name=name)(skip)


def _check_sides(input_shape, padding):
    """Refuse a size at which a pooling would drop a row, or maps would vanish."""
    for side in input_shape[:2]:
        if side is None:
            if padding == "valid":
                raise ValueError("unet with padding='valid' needs known input sides to crop "
                                 f"its skips, got input shape {input_shape}")
            continue
        size = side
        for _ in range(DEPTH):
            size -= 4 if padding == "valid" else 0
            if size <= 0 or size % 2:
                raise ValueError(f"unet ({padding}): input side {side} reaches an odd or empty "
                                 f"map before a 2×2 pooling; use a multiple of 16 ('same') or "
                                 f"a tile such as 572 ('valid')")
            size //= 2
        if padding == "valid" and size - 4 <= 0:
            raise ValueError(f"unet (valid): input side {side} is too small")
