"""Image decoding and resizing as TensorFlow graph ops, for exported serving signatures and
the CLI's tf.data pipeline.

The PIL reader (`read_image`) is the robust path for files; a SavedModel cannot call PIL, so
the serving signature decodes with `tf.io.decode_image`. To give the same pixels as the PIL
path, transparency is composited on white and grey/RGB conversion uses ITU-R 601 luma, as in
`image_pixels`. Both paths then share `resize_pixels`.
"""

import tensorflow as tf


def resize_pixels(images, size):
    """Bilinear, antialiased resize of float pixels (…, H, W, C) to `size` = (height, width)."""
    images = tf.cast(images, tf.float32)
    return tf.image.resize(images, size, method="bilinear", antialias=True)


def decode_image_bytes(image_bytes, channels):
    """One encoded JPEG/PNG/GIF/BMP string -> float32 (H, W, channels) in 0–255.

    Animated GIFs give their first frame; 16-bit PNGs are scaled to 8 bits by the decoder.
    """
    image = tf.io.decode_image(image_bytes, channels=0, expand_animations=False)
    image = tf.cast(image, tf.float32)
    depth = tf.shape(image)[-1]
    # grey (1), grey+alpha (2), RGB (3) or RGBA (4) -> RGB and an alpha in [0, 1]
    rgb = tf.cond(depth >= 3, lambda: image[..., :3], lambda: tf.tile(image[..., :1], [1, 1, 3]))
    has_alpha = tf.equal(depth % 2, 0)
    alpha = tf.cond(has_alpha, lambda: image[..., -1:] / 255.0,
                    lambda: tf.ones_like(image[..., :1]))
    rgb = rgb * alpha + 255.0 * (1.0 - alpha)  # composite on white, as the PIL reader does
    if channels == 1:
        luma = tf.constant([0.299, 0.587, 0.114], tf.float32)
        return tf.reduce_sum(rgb * luma, axis=-1, keepdims=True)
    return rgb
