"""Pillow's pixel arithmetic as TensorFlow ops, so graph decodes equal the PIL reader's.

Mirrors `image_pixels` for what TensorFlow's decoders return: 16-bit samples reduced to 8
bits, transparency composited on white, grey/RGB conversion. Every step uses Pillow's own
integer rounding, so a PNG gives bit-identical uint8 values on both paths
(docs/architecture.md).
"""

import tensorflow as tf

_WHITE = 255


def png_samples_to_8_bits(samples, colour_type):
    """int32 0–255 from `tf.io.decode_png(..., dtype=tf.uint16)` samples, as Pillow reduces them.

    Pillow scales 16-bit grey (PNG colour type 0) with rounding (`image_pixels`), but keeps the
    high byte of 16-bit grey+alpha and colour images. Samples of 8 bits or fewer arrive as
    v × 257, which both rules turn back into v.

    Args:
        samples: uint16 (H, W, C) tensor.
        colour_type: int scalar tensor, the IHDR colour type.
    """
    samples = tf.cast(samples, tf.int32)
    return tf.where(tf.equal(colour_type, 0), (samples + 128) // 257, samples // 256)


def composite_on_white(colour, alpha):
    """int32 colour (…, 3) over opaque white through int32 `alpha` (…, 1), 0–255 each.

    Pillow's `Image.alpha_composite` onto an opaque background reduces to this: 7 extra bits
    of precision and divisions by 255 done by shifts (libImaging/AlphaComposite.c).
    """
    blended = 128 * (colour * alpha + _WHITE * (255 - alpha)) + (128 << 7)
    shift = tf.bitwise.right_shift
    return shift(shift(shift(blended, 8) + blended, 8), 7)


def luma(rgb):
    """int32 (…, 1) ITU-R 601-2 luma of int32 RGB (…, 3), rounded as Pillow's convert("L")."""
    weights = tf.constant([19595, 38470, 7471], tf.int32)  # 0.299, 0.587, 0.114 in 1/65536
    total = tf.reduce_sum(rgb * weights, axis=-1, keepdims=True) + (1 << 15)
    return tf.bitwise.right_shift(total, 16)


def to_channels(pixels, channels):
    """int32 (H, W, C) 0–255 with C = 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) -> int32
    (H, W, `channels`): transparency composited on white, then grey or RGB.

    Grey stays exact either way: compositing with alpha 255 and luma of R = G = B are
    identities, so no branch on the source's kind is needed.
    """
    depth = tf.shape(pixels)[-1]
    colour = tf.cond(depth >= 3, lambda: pixels[..., :3],
                     lambda: tf.tile(pixels[..., :1], [1, 1, 3]))
    alpha = tf.cond(tf.equal(depth % 2, 0), lambda: pixels[..., -1:],
                    lambda: tf.fill(tf.concat([tf.shape(pixels)[:-1], [1]], 0), _WHITE))
    rgb = composite_on_white(colour, alpha)
    return luma(rgb) if channels == 1 else rgb
