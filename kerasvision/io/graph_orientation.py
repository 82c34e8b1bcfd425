"""A JPEG's EXIF orientation, read and applied with TensorFlow graph ops.

Cameras store pixels as the sensor saw them and record the turn in EXIF tag 0x0112; the PIL
reader (`read_image`) applies it, so the serving graph must too, or a phone photo gets one
answer from `classify` and another from TF Serving (docs/architecture.md).

Parsing follows Pillow's, so both paths pick the same orientation: the first APP1 segment
starting "Exif\\0\\0" holds a TIFF header ("II" little-endian or "MM" big-endian), whose IFD0
may hold the tag (the last entry wins, as in Pillow's dictionary); when the Exif data lacks
the tag, Pillow takes `tiff:Orientation` from the XMP APP1 segment, and so does this. Any
other value than 1–8, a damaged header or a non-JPEG gives 1 (pixels as stored).

Everything is tf.cond / tf.while_loop / tf.switch_case, so it runs eagerly, in tf.function
with autograph off, and in a SavedModel.
"""

import tensorflow as tf

from kerasvision.io.graph_bytes import bytes_to_uint, equals_bytes, read_bytes

ORIENTATION_TAG = 0x0112
EXIF_PREFIX = b"Exif\0\0"
XMP_PREFIX = b"http://ns.adobe.com/xap/1.0/\0"
# A JPEG has a few dozen segments before its image data; the cap keeps a file of fill bytes
# from turning the scan into millions of graph iterations.
MAX_SEGMENTS = 1024
# Pillow's own pattern (Image.getexif): the first digit after tiff:Orientation=" or >.
_XMP_ORIENTATION = r'(?s)^.*?tiff:Orientation(?:="|>)([0-9]).*$'
_SHORT_TYPES = (3, 8)  # SHORT, SSHORT: the value sits in the entry's first two bytes
_LONG_TYPES = (4, 9)  # LONG, SLONG: four bytes


def jpeg_orientation(image_bytes):
    """EXIF orientation (int32 scalar 1–8) of scalar string JPEG bytes; 1 when there is none."""
    exif_start, exif_end, xmp_start, xmp_end = _app1_segments(image_bytes)
    from_exif = tf.cond(exif_start >= 0,
                        lambda: _tiff_orientation(image_bytes, exif_start, exif_end),
                        lambda: tf.constant(-1, tf.int64))
    from_xmp = tf.cond((from_exif < 0) & (xmp_start >= 0),
                       lambda: _xmp_orientation(image_bytes, xmp_start, xmp_end),
                       lambda: tf.constant(-1, tf.int64))
    orientation = tf.where(from_exif >= 0, from_exif, from_xmp)
    valid = (orientation >= 1) & (orientation <= 8)
    return tf.cast(tf.where(valid, orientation, 1), tf.int32)


def apply_orientation(image, orientation):
    """(H, W, C) pixels turned upright as EXIF `orientation` (1–8) says; Pillow's transposes."""
    transpose = lambda: tf.transpose(image, [1, 0, 2])  # noqa: E731 - a swap of the axes
    return tf.switch_case(orientation - 1, [
        lambda: image,                                          # 1: upright
        lambda: tf.reverse(image, [1]),                         # 2: mirrored
        lambda: tf.image.rot90(image, 2),                       # 3: upside down
        lambda: tf.reverse(image, [0]),                         # 4: flipped
        transpose,                                              # 5: transposed
        lambda: tf.image.rot90(image, 3),                       # 6: turned 90° clockwise
        lambda: tf.image.rot90(transpose(), 2),                 # 7: transversed
        lambda: tf.image.rot90(image, 1),                       # 8: turned 90° anticlockwise
    ])


def _app1_segments(data):
    """(exif_start, exif_end, xmp_start, xmp_end) int64 offsets of the Exif TIFF data and the
    XMP packet, -1 where absent; the segments before the image data (SOS) are walked."""
    size = tf.cast(tf.strings.length(data), tf.int64)
    head_length = 4 + len(XMP_PREFIX)
    minus_one = tf.constant(-1, tf.int64)

    def step(position, exif_start, exif_end, xmp_start, xmp_end, done):
        head = read_bytes(data, position, head_length)
        is_marker = tf.equal(head[0], 0xFF)
        marker = head[1]
        fill = is_marker & tf.equal(marker, 0xFF)  # padding before a marker
        standalone = is_marker & ((marker == 0x01) | ((marker >= 0xD0) & (marker <= 0xD8)))
        segment = is_marker & ~fill & ~standalone
        length = head[2] * 256 + head[3]  # includes its own two bytes
        end = position + 2 + length
        app1 = segment & tf.equal(marker, 0xE1)
        exif = app1 & (exif_start < 0) & equals_bytes(head[4:4 + len(EXIF_PREFIX)], EXIF_PREFIX)
        xmp = app1 & equals_bytes(head[4:], XMP_PREFIX)  # the last one, as in Pillow
        stop = (~is_marker | tf.equal(marker, 0xDA) | tf.equal(marker, 0xD9)
                | (segment & (length < 2)))
        following = tf.where(fill, position + 1, tf.where(standalone, position + 2, end))
        return (following,
                tf.where(exif, position + 4 + len(EXIF_PREFIX), exif_start),
                tf.where(exif, end, exif_end),
                tf.where(xmp, position + head_length, xmp_start),
                tf.where(xmp, end, xmp_end),
                stop)

    def more(position, *state):
        return ~state[-1] & (position + 4 <= size)

    start = tf.constant(2, tf.int64)  # after the SOI marker
    result = tf.while_loop(more, step, (start, minus_one, minus_one, minus_one, minus_one,
                                        tf.constant(False)),
                           maximum_iterations=MAX_SEGMENTS)
    return result[1:5]


def _tiff_orientation(data, start, end):
    """Tag 0x0112 of IFD0 in the TIFF data at [start, end) (int64); -1 if it is not there."""
    header = read_bytes(data, start, 8)
    little = equals_bytes(header[:2], b"II")
    big = equals_bytes(header[:2], b"MM")
    valid = (little | big) & tf.equal(bytes_to_uint(header[2:4], little), 42)
    directory = start + bytes_to_uint(header[4:8], little)
    count = bytes_to_uint(read_bytes(data, directory, 2), little)
    entries = _ifd_entries(data, directory + 2, tf.minimum(count, (end - directory - 2) // 12))
    tags = bytes_to_uint(entries[:, 0:2], little)
    types = bytes_to_uint(entries[:, 2:4], little)
    counts = bytes_to_uint(entries[:, 4:8], little)
    short_value = bytes_to_uint(entries[:, 8:10], little)
    long_value = bytes_to_uint(entries[:, 8:12], little)
    is_short = tf.reduce_any(types[:, None] == tf.constant(_SHORT_TYPES, tf.int64), -1)
    is_long = tf.reduce_any(types[:, None] == tf.constant(_LONG_TYPES, tf.int64), -1)
    # Several values (count > 1) or another type make Pillow's value no orientation at all.
    values = tf.where((counts == 1) & is_short, short_value,
                      tf.where((counts == 1) & is_long, long_value, 0))
    index = tf.range(tf.shape(entries, out_type=tf.int64)[0])
    # No entries: the maximum of nothing is int64's lowest, still "not there".
    last = tf.reduce_max(tf.where(tags == ORIENTATION_TAG, index, -1))
    value = tf.reduce_sum(tf.where(index == last, values, 0))
    return tf.where(valid & (last >= 0), value, -1)


def _ifd_entries(data, position, count):
    """int64 (n, 12): up to `count` 12-byte IFD entries from `position`, as far as the data
    reaches."""
    size = tf.cast(tf.strings.length(data), tf.int64)
    start = tf.clip_by_value(position, 0, size)
    length = tf.maximum(count, 0) * 12
    raw = tf.io.decode_raw(tf.strings.substr(data, start, length), tf.uint8)
    whole = tf.shape(raw)[0] // 12 * 12
    return tf.reshape(tf.cast(raw[:whole], tf.int64), [-1, 12])


def _xmp_orientation(data, start, end):
    """The digit after `tiff:Orientation` in the XMP packet at [start, end); -1 if none."""
    size = tf.cast(tf.strings.length(data), tf.int64)
    begin = tf.clip_by_value(start, 0, size)
    packet = tf.strings.substr(data, begin, tf.maximum(end - begin, 0))
    found = tf.strings.regex_full_match(packet, _XMP_ORIENTATION)
    digit = tf.strings.regex_replace(packet, _XMP_ORIENTATION, r"\1")
    return tf.cond(found, lambda: tf.strings.to_number(digit, tf.int64),
                   lambda: tf.constant(-1, tf.int64))
