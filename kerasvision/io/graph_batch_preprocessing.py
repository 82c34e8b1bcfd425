"""A batch of encoded images -> model input in graph ops, with a fast path for the common case.

The serving signature's general path maps `ImagePreprocessor.graph_preprocess` over the batch
one image at a time: exact for every format (docs/architecture.md), but its per-image control
flow cost 0.4 ms a 28×28 image, the bytes-in signature ran at 1.87× the raw model's time
(issue 14), and the target is 1.5×. Most requests hold images that are plain 8-bit PNGs of
the model's own size and channels (what Pillow and OpenCV write); for a batch made only of
those, the header checks run once over the whole batch, each image is only decoded, and the
placement runs batched. The pixels are the general path's, bit for bit (the tests compare):
such a PNG needs no colour conversion, no transparency and no resize (a same-size antialiased
resize is the identity, which `resize_pixels` still applies). Any other batch takes the
general path.
"""

import tensorflow as tf

from kerasvision.io.graph_decoding import (PNG_COLOUR_TYPE_OFFSET, PNG_DEPTH_OFFSET,
                                           PNG_SECOND_CHUNK_TYPE_OFFSET, PNG_SIGNATURE)
from kerasvision.io.pixel_resize import resize_pixels

# Signature, IHDR (length, type, 13 data bytes, CRC), then the next chunk's length and type.
_HEADER_BYTES = PNG_SECOND_CHUNK_TYPE_OFFSET + 4
_IHDR_TYPE, _WIDTH, _HEIGHT = 12, 16, 20  # offsets in the header
_COLOUR_TYPES = {1: 0, 3: 2}  # channels -> PNG colour type decoded without conversion


def preprocess_image_batch(preprocessor, image_bytes):
    """(pixels float32 (N, h, w, C), original sizes int32 (N, 2)) for tf.string (N,)."""
    height, width = preprocessor.size
    channels = preprocessor.channels

    def general():
        return tf.map_fn(preprocessor.graph_preprocess, image_bytes,
                         fn_output_signature=(tf.TensorSpec([height, width, channels], tf.float32),
                                              tf.TensorSpec([2], tf.int32)))

    def plain():
        decoded = tf.map_fn(lambda data: tf.io.decode_png(data, channels=channels),
                            image_bytes, fn_output_signature=tf.TensorSpec(
                                [height, width, channels], tf.uint8))
        sizes = tf.tile(tf.constant([[height, width]], tf.int32), [tf.shape(image_bytes)[0], 1])
        return resize_pixels(decoded, (height, width)), sizes

    fast = plain_model_size_pngs(image_bytes, (height, width), channels)
    if preprocessor.photo_conversion == "fashion_mnist":
        # Every image must also be left alone by the photo conversion (a dark background),
        # which is only known after decoding: decode, check, and fall back if one is not.
        def checked():
            pixels, sizes = plain()
            return tf.cond(all_look_like_items(pixels), lambda: (pixels, sizes), general)

        return tf.cond(fast, checked, general)
    if preprocessor.photo_conversion is not None:
        return general()
    return tf.cond(fast, plain, general)


def plain_model_size_pngs(image_bytes, size, channels):
    """Whether every string of the batch is an 8-bit PNG of `size` (h, w) whose colour type
    has `channels` channels and whose image data follows the header (no tRNS key)."""
    header = tf.cast(tf.io.decode_raw(tf.strings.substr(image_bytes, 0, _HEADER_BYTES),
                                      tf.uint8, fixed_length=_HEADER_BYTES), tf.int64)
    be32 = lambda at: (header[:, at] * 16777216 + header[:, at + 1] * 65536  # noqa: E731
                       + header[:, at + 2] * 256 + header[:, at + 3])
    def spells(at, expected):
        return tf.reduce_all(tf.equal(header[:, at:at + len(expected)], list(expected)), axis=1)

    plain = (spells(0, PNG_SIGNATURE) & spells(_IHDR_TYPE, b"IHDR")
             & spells(PNG_SECOND_CHUNK_TYPE_OFFSET, b"IDAT")
             & tf.equal(be32(_WIDTH), size[1]) & tf.equal(be32(_HEIGHT), size[0])
             & tf.equal(header[:, PNG_DEPTH_OFFSET], 8)
             & tf.equal(header[:, PNG_COLOUR_TYPE_OFFSET], _COLOUR_TYPES[channels]))
    return tf.reduce_all(plain) & (tf.size(image_bytes) > 0)


def all_look_like_items(pixels):
    """`looks_like_item` over a model-size batch (N, h, w, C): every corner median dark.
    Also used eagerly by `ImagePreprocessor.preprocess` for its own fast path."""
    from kerasvision.io.fashion_mnist_conversion import LIGHT_BACKGROUND

    corners = tf.stack([pixels[:, 0, 0], pixels[:, 0, -1], pixels[:, -1, 0], pixels[:, -1, -1]],
                       axis=1)  # (N, 4, C)
    ordered = tf.sort(corners, axis=1)
    background = (ordered[:, 1] + ordered[:, 2]) / 2.0
    return tf.reduce_all(tf.reduce_mean(background, axis=-1) <= LIGHT_BACKGROUND)
