"""PNG colour-key transparency (a tRNS chunk in a grey or RGB image) as TensorFlow graph ops.

TensorFlow's PNG decoder drops the key; Pillow makes pixels of that colour transparent, and the
reader composites them on white. To give the PIL reader's pixels, the key is read from the
chunk and turned into an alpha channel here, with Pillow's rules (measured with Pillow 13):
8-bit grey and 1-bit grey (key 0 or 1) and 8/16-bit RGB use it (16-bit RGB compared on the
high bytes); 2/4/16-bit grey ignore it.
"""

import tensorflow as tf

from kerasvision.io.graph_bytes import bytes_to_uint, equals_bytes, read_bytes

_FIRST_CHUNK = 8  # after the signature
_DEPTH_OFFSET, _COLOUR_TYPE_OFFSET = 24, 25  # in IHDR, the first chunk
# Metadata chunks come before the image data; the cap bounds a file of empty chunks.
MAX_CHUNKS = 1024


def with_colour_key_alpha(pixels, image_bytes):
    """int32 8-bit PNG pixels (H, W, C), with an alpha channel appended when the file's tRNS
    chunk names a transparent grey level or colour that Pillow honours."""
    applies, key = _colour_key(image_bytes)

    def add_alpha():
        transparent = tf.reduce_all(tf.equal(pixels, key[:tf.shape(pixels)[-1]]), -1,
                                    keepdims=True)
        return tf.concat([pixels, tf.where(transparent, 0, 255)], -1)

    return tf.cond(applies & (tf.shape(pixels)[-1] % 2 == 1), add_alpha, lambda: pixels)


def _colour_key(data):
    """(applies bool, key int32 (3,) in 8-bit sample values)."""
    depth = read_bytes(data, _DEPTH_OFFSET, 1)[0]
    colour_type = read_bytes(data, _COLOUR_TYPE_OFFSET, 1)[0]
    position = _trns_position(data)
    raw = read_bytes(data, position, 6)
    big_endian = tf.constant(False)
    samples = tf.stack([bytes_to_uint(raw[i:i + 2], big_endian) for i in (0, 2, 4)])
    grey = tf.equal(colour_type, 0) & ((depth == 1) | (depth == 8))
    rgb = tf.equal(colour_type, 2) & ((depth == 8) | (depth == 16))
    one_bit_scale = tf.where(depth == 1, tf.constant(255, tf.int64), 1)  # 1-bit: 0 or 255
    key = tf.where(grey, tf.fill([3], samples[0] * one_bit_scale),
                   tf.where(depth == 16, samples // 256, samples))
    return (position >= 0) & (grey | rgb), tf.cast(key, tf.int32)


def _trns_position(data):
    """int64 offset of the tRNS chunk's data, -1 when there is none before the image data."""
    size = tf.cast(tf.strings.length(data), tf.int64)

    def step(position, found, done):
        head = read_bytes(data, position, 8)
        length = bytes_to_uint(head[:4], tf.constant(False))
        kind = head[4:]
        is_trns = equals_bytes(kind, b"tRNS")
        image_data = equals_bytes(kind, b"IDAT") | equals_bytes(kind, b"IEND")
        return (position + 12 + length, tf.where(is_trns, position + 8, found),
                is_trns | image_data)

    def more(position, found, done):
        return ~done & (position + 8 <= size)

    start = tf.constant(_FIRST_CHUNK, tf.int64)
    return tf.while_loop(more, step, (start, tf.constant(-1, tf.int64), tf.constant(False)),
                         maximum_iterations=MAX_CHUNKS)[1]
