"""Reading integers out of an encoded image's bytes with TensorFlow graph ops.

A SavedModel cannot run Python, so metadata the decoders ignore (a JPEG's EXIF orientation, a
PNG's header fields) is parsed from the scalar string tensor itself. Reads past the end give
zeros instead of errors, so a truncated or hostile file can only yield "not found".
"""

import tensorflow as tf


def read_bytes(data, position, length):
    """`length` bytes of the scalar string `data` from `position`, as int64 (length,).

    Args:
        data: scalar tf.string.
        position: scalar int (tensor or Python); negative or past the end reads zeros.
        length: Python int, the number of bytes (static, so the result's shape is).
    """
    size = tf.cast(tf.strings.length(data), tf.int64)
    start = tf.clip_by_value(tf.cast(position, tf.int64), 0, size)
    valid = tf.cast(position, tf.int64) >= 0
    # substr clips the length at the end of the string (and fails only past it).
    chunk = tf.io.decode_raw(tf.strings.substr(data, start, tf.constant(length, tf.int64)),
                             tf.uint8)
    chunk = tf.cast(chunk, tf.int64) * tf.cast(valid, tf.int64)
    # The reshape states the static length the padding guarantees.
    return tf.reshape(tf.pad(chunk, [[0, length - tf.shape(chunk)[0]]]), [length])


def bytes_to_uint(values, little_endian):
    """Unsigned integer from int64 bytes (n,) in either byte order (`little_endian`: bool)."""
    count = int(values.shape[-1])
    big = tf.constant([256 ** (count - 1 - i) for i in range(count)], tf.int64)
    weights = tf.where(little_endian, tf.reverse(big, [0]), big)
    return tf.reduce_sum(values * weights, axis=-1)


def equals_bytes(values, expected):
    """Whether int64 bytes `values` (n,) spell the Python bytes `expected` (length n)."""
    return tf.reduce_all(tf.equal(values, tf.constant(list(expected), tf.int64)))
