"""DSSD's top-down features (Fu, Liu, Ranga, Tyagi & Berg, DSSD: Deconvolutional Single Shot
Detector, arXiv 1701.06659, 2017, §3.2, Figs. 1–3), on any SSD-style feature extractor.

`dssd_features(extractor)` takes a functional model whose outputs are SSD's prediction maps,
shallow to deep, and returns a model with as many maps, of the same sizes, each predicted from
by SingleShotDetector:

- the deepest map starts the top-down ("hourglass") pathway as it is (Fig. 1);
- going up, a deconvolution module (Fig. 3) merges the pathway's last map with the next finer
  extractor map: the deeper map through a 2×2 stride-2 transposed convolution, a 3×3
  convolution and BN; the finer map through 3×3 conv, BN, ReLU, 3×3 conv, BN; the two joined
  by an element-wise product (the merge the paper's VOC2007 ablation finds best, ahead of
  the sum), then ReLU; `channels` (512) out;
- each pathway map then goes through the prediction module (Fig. 2 variant (c), §3.2): a
  residual block whose branch is 1×1 conv 256, 1×1 conv 256, 1×1 conv 1024 and whose shortcut
  is a 1×1 conv 1024, added. Figure 2 draws only the convolutions; we put a ReLU after the two
  inner ones and after the sum, as in a ResNet bottleneck (He et al., CVPR 2016), and no BN.

The transposed convolution doubles the deeper map; where the finer map is one row or column
smaller (odd sizes: 321×321 gives 41, 21, 11, ...) the last row/column is cropped, keeping the
deconvolved cell 2i on the coarse cell i, and where it is one larger (a 3×3 map over a 1×1 one)
a zero row/column is added at the bottom/right. Maps further apart raise an error.
"""

import keras
from keras import layers

from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization


def _conv_bn(x, filters, kernel, name):
    # A convolution followed by BN needs no bias (BN's beta is one).
    x = layers.Conv2D(filters, kernel, padding="same", use_bias=False, name=f"{name}_conv")(x)
    return FusedBatchNormalization(name=f"{name}_bn")(x)


def _match_size(x, target, name):
    """Crop or zero-pad `x` at the bottom/right to `target` (rows, cols); at most one cell."""
    rows, cols = (int(d) for d in x.shape[1:3])
    delta = (target[0] - rows, target[1] - cols)
    if any(abs(d) > 1 for d in delta):
        raise ValueError(f"{name}: the deconvolution doubles {rows}×{cols} to "
                         f"{2 * rows}×{2 * cols}, which cannot meet the finer map "
                         f"{target[0]}×{target[1]}; consecutive maps must differ by a factor of "
                         "two (give or take one cell)")
    crop = tuple((0, max(-d, 0)) for d in delta)
    pad = tuple((0, max(d, 0)) for d in delta)
    if any(c for _, c in crop):
        x = layers.Cropping2D(crop, name=f"{name}_crop")(x)
    if any(p for _, p in pad):
        x = layers.ZeroPadding2D(pad, name=f"{name}_pad")(x)
    return x


def deconvolution_module(finer, deeper, channels=512, name="deconv_module"):
    """Fig. 3: the deeper map deconvolved and merged with the finer one by a product.

    Args:
        finer: the extractor's map at the output resolution, (B, H, W, C_f).
        deeper: the top-down pathway's previous map, about (B, H/2, W/2, C_d).
        channels: output channels (512 in the paper).
        name: prefix of the layer names.

    Returns:
        (B, H, W, channels): ReLU(BN(conv(deconv(deeper))) · BN(conv(ReLU(BN(conv(finer)))))).
    """
    up = layers.Conv2DTranspose(channels, 2, strides=2, name=f"{name}_deconv")(deeper)
    up = _match_size(up, tuple(int(d) for d in finer.shape[1:3]), name)
    up = _conv_bn(up, channels, 3, f"{name}_deep")
    lateral = _conv_bn(finer, channels, 3, f"{name}_lateral_1")
    lateral = layers.Activation("relu", name=f"{name}_lateral_1_relu")(lateral)
    lateral = _conv_bn(lateral, channels, 3, f"{name}_lateral_2")
    merged = layers.Multiply(name=f"{name}_product")([up, lateral])
    return layers.Activation("relu", name=f"{name}_relu")(merged)


def prediction_module(x, bottleneck=256, channels=1024, name="prediction_module"):
    """Fig. 2(c): 1×1 `bottleneck`, 1×1 `bottleneck`, 1×1 `channels`, plus a 1×1 `channels`
    projection shortcut; ReLU after the inner convolutions and after the sum.

    Parameters for C input channels (with biases):
    (C + 1)·b + (b + 1)·b + (b + 1)·k + (C + 1)·k, b = bottleneck, k = channels.
    """
    y = layers.Conv2D(bottleneck, 1, activation="relu", name=f"{name}_1_conv")(x)
    y = layers.Conv2D(bottleneck, 1, activation="relu", name=f"{name}_2_conv")(y)
    y = layers.Conv2D(channels, 1, name=f"{name}_3_conv")(y)
    shortcut = layers.Conv2D(channels, 1, name=f"{name}_0_conv")(x)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def dssd_features(feature_extractor, channels=512, bottleneck=256, prediction_channels=1024,
                  prediction_modules=True, name="dssd_features"):
    """DSSD's deconvolution and prediction modules on an SSD-style feature extractor.

    Args:
        feature_extractor: a functional keras.Model, images in, a list of maps out, shallow to
            deep (as SingleShotDetector takes); consecutive maps about halve in size.
        channels: channels of the deconvolution modules (512 in the paper).
        bottleneck, prediction_channels: the prediction module's widths (256 and 1024).
        prediction_modules: False predicts from the pathway directly (Fig. 2 (a)).
        name: the returned model's name.

    Returns:
        A functional model with the extractor's input and one output per extractor map, same
        sizes, for SingleShotDetector. The extractor's layers become this model's own.
    """
    maps = list(feature_extractor.outputs)
    sizes = [tuple(int(d) for d in m.shape[1:3]) for m in maps]
    if any(a < b for prev, nxt in zip(sizes, sizes[1:]) for a, b in zip(prev, nxt)):
        raise ValueError(f"dssd_features: maps must go from fine to coarse, got sizes {sizes}")
    # Top-down: the deepest map as it is, then one module per finer map (Fig. 1).
    pathway = [maps[-1]]
    for level in range(len(maps) - 2, -1, -1):
        pathway.append(deconvolution_module(maps[level], pathway[-1], channels,
                                            name=f"deconv_module_{level}"))
    pathway.reverse()  # shallow to deep again, as the default boxes are listed
    if prediction_modules:
        pathway = [prediction_module(m, bottleneck, prediction_channels,
                                     name=f"prediction_module_{level}")
                   for level, m in enumerate(pathway)]
    # `.input`, not `.inputs`: one image tensor in, as SingleShotDetector calls it.
    return keras.Model(feature_extractor.input, pathway, name=name)
