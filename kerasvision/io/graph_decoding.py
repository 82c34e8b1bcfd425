"""Image decoding as TensorFlow graph ops, for serving signatures (a SavedModel cannot call PIL).

`decode_image_bytes` gives the pixels the PIL reader (`read_image`) gives, EXIF orientation
included: PNG (1- to 16-bit, grey+alpha, palettes and colour keys with transparency) bit for
bit; JPEG bit for bit where TensorFlow and Pillow link libjpeg-turbo builds whose accurate
integer IDCT agrees (`JPEG_LARGEST_DIFFERENCE`, asserted by the tests). GIF and BMP go
through `tf.io.decode_image`, whose handling of GIF transparency may differ from Pillow's.
See docs/architecture.md.

The one resize of the package, `resize_pixels`, lives in `pixel_resize`.
"""

import tensorflow as tf

from kerasvision.io.graph_bytes import equals_bytes, read_bytes
from kerasvision.io.graph_orientation import apply_orientation, jpeg_orientation
from kerasvision.io.graph_png_colour_key import with_colour_key_alpha
from kerasvision.io.graph_pixels import png_samples_to_8_bits, to_channels

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_DEPTH_OFFSET = 24  # signature (8), IHDR length and type (8), width, height
PNG_COLOUR_TYPE_OFFSET = 25  # after the depth
# IHDR's 13 data bytes and CRC end at 33; the next chunk's type follows its length.
PNG_SECOND_CHUNK_TYPE_OFFSET = 37
# Pillow decodes JPEG with libjpeg's default, the accurate integer IDCT (JDCT_ISLOW).
JPEG_DCT_METHOD = "INTEGER_ACCURATE"
# Largest |graph - PIL| over JPEG pixels (0–255), measured on random, noisy and smooth images,
# grey and colour, baseline and progressive, 4:4:4/4:2:2/4:2:0, quality 50–100, with TF 2.21
# and Pillow 13 (libjpeg-turbo 3.x): 0. TensorFlow's default (fast) IDCT gives up to 8.
JPEG_LARGEST_DIFFERENCE = 0


def decode_image_bytes(image_bytes, channels):
    """One encoded JPEG/PNG/GIF/BMP string -> float32 (H, W, channels), integer values 0–255.

    As `read_image`: EXIF orientation applied (JPEG), first frame of an animation, 16-bit
    samples reduced as Pillow does, transparency composited on white, grey as ITU-R 601 luma.

    Args:
        image_bytes: scalar tf.string.
        channels: 1 or 3 (a Python int).
    """
    return tf.cast(decode_image_pixels(image_bytes, channels), tf.float32)


def decode_image_pixels(image_bytes, channels):
    """As `decode_image_bytes`, but int32 pixels."""
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels!r}")
    is_jpeg = tf.io.is_jpeg(image_bytes)
    is_png = tf.equal(tf.strings.substr(image_bytes, 0, len(PNG_SIGNATURE)), PNG_SIGNATURE)
    decoded = tf.cond(is_jpeg, lambda: _decode_jpeg(image_bytes),
                      lambda: tf.cond(is_png, lambda: _decode_png(image_bytes),
                                      lambda: _decode_other(image_bytes)))
    pixels = to_channels(decoded, channels)
    orientation = tf.cond(is_jpeg, lambda: jpeg_orientation(image_bytes),
                          lambda: tf.constant(1, tf.int32))
    return apply_orientation(pixels, orientation)


def _decode_jpeg(image_bytes):
    image = tf.io.decode_jpeg(image_bytes, channels=0, dct_method=JPEG_DCT_METHOD)
    return tf.cast(image, tf.int32)


def _decode_png(image_bytes):
    return tf.cond(_plain_8_bit_png(image_bytes), lambda: _decode_plain_png(image_bytes),
                   lambda: _decode_any_png(image_bytes))


def _plain_8_bit_png(image_bytes):
    """Whether the PNG is 8-bit grey, RGB, grey+alpha or RGBA with the image data right after
    its header, so without a tRNS colour key (which must precede the data): what Pillow and
    OpenCV write by default. Its samples are Pillow's as they are, and the exact path's
    chunk walk and 16-bit reduction (a third of a 28×28 image's serving time) are skipped."""
    depth, colour_type = tf.unstack(read_bytes(image_bytes, PNG_DEPTH_OFFSET, 2))
    data_next = equals_bytes(read_bytes(image_bytes, PNG_SECOND_CHUNK_TYPE_OFFSET, 4), b"IDAT")
    return (tf.equal(depth, 8) & tf.reduce_any(tf.equal(colour_type, [0, 2, 4, 6]))
            & data_next)


def _decode_plain_png(image_bytes):
    return tf.cast(tf.io.decode_png(image_bytes, channels=0, dtype=tf.uint8), tf.int32)


def _decode_any_png(image_bytes):
    # 16 bits always, so the reduction to 8 can follow Pillow's rules (per colour type).
    samples = tf.io.decode_png(image_bytes, channels=0, dtype=tf.uint16)
    colour_type = read_bytes(image_bytes, PNG_COLOUR_TYPE_OFFSET, 1)[0]
    pixels = png_samples_to_8_bits(samples, tf.cast(colour_type, tf.int32))
    return with_colour_key_alpha(pixels, image_bytes)


def _decode_other(image_bytes):
    image = tf.io.decode_image(image_bytes, channels=0, dtype=tf.uint8,
                               expand_animations=False)
    return tf.cast(image, tf.int32)
