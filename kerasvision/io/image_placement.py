"""Where an image lands in a model's input (stretch or letterbox), and the way back.

TensorFlow ops only, run eagerly by `ImagePreprocessor.preprocess` and traced by its `graph_*`
methods and the tf.data pipelines, so every path places and un-places pixels identically; the
resize itself is the package's one `resize_pixels` (docs/architecture.md).

Geometry, per axis (y, x): `placed` is the size the image is resized to, `offset` the padding
before it (top, left) in model pixels, `scale` = placed / original. A model pixel coordinate
c maps back to (c - offset) / scale in the original image.
"""

import tensorflow as tf

from kerasvision.io.pixel_resize import resize_pixels

BOX_FORMATS = {"xyxy": [1, 0, 1, 0], "yxyx": [0, 1, 0, 1]}  # (y, x) index per coordinate


def placement(original_size, size, resize):
    """Geometry of images of `original_size` int (..., 2) in an input of `size` (h, w).

    Stretch fills the input; letterbox takes the largest size with the image's aspect ratio
    (rounded half to even, at least one pixel) and centres it, an odd pixel of padding going
    to the bottom/right.

    Returns:
        (placed int32 (..., 2), scale float32 (..., 2), offset int32 (..., 2)).
    """
    original = tf.cast(original_size, tf.float64)
    target = tf.constant(size, tf.float64)
    if resize == "stretch":
        placed = tf.zeros_like(original) + target
    else:
        ratio = tf.reduce_min(target / original, axis=-1, keepdims=True)
        placed = tf.clip_by_value(tf.round(original * ratio), 1.0, target)
    offset = (tf.constant(size, tf.int32) - tf.cast(placed, tf.int32)) // 2
    return tf.cast(placed, tf.int32), tf.cast(placed / original, tf.float32), offset


def place_image(image, size, resize, pad_value):
    """One image (H, W, C) as model input: float32 (h, w, C) in the image's value range.

    Returns:
        (pixels, original_size int32 (2,), scale float32 (2,), offset int32 (2,)).
    """
    image = tf.convert_to_tensor(image)
    original_size = tf.shape(image)[:2]
    placed, scale, offset = placement(original_size, size, resize)
    height, width = size
    if resize == "stretch":
        pixels = resize_pixels(image, size)  # the static size: exactly the classifier's resize
    else:
        pixels = resize_pixels(image, placed)
        after = tf.constant(size, tf.int32) - placed - offset
        pixels = tf.pad(pixels, [[offset[0], after[0]], [offset[1], after[1]], [0, 0]],
                        constant_values=pad_value)
    pixels = tf.ensure_shape(pixels, [height, width, image.shape[-1]])
    return pixels, original_size, scale, offset


def boxes_to_original(boxes, original_size, scale, offset, box_format="xyxy"):
    """Boxes (..., 4) in model pixels -> float32 boxes in original pixels, clipped to the image.

    Args:
        boxes: corners in `box_format` ("xyxy" or "yxyx"), model input pixels.
        original_size, scale, offset: (2,) for one image, or (N, 2) with boxes (N, ..., 4).
    """
    order = BOX_FORMATS[box_format]
    boxes = tf.cast(boxes, tf.float32)

    def per_coordinate(values):
        values = tf.gather(tf.cast(values, tf.float32), order, axis=-1)
        # (N, 4) -> (N, 1, ..., 1, 4) to broadcast over the boxes of each image.
        extra = tf.rank(boxes) - tf.rank(values)
        shape = tf.concat([tf.shape(values)[:-1], tf.ones([extra], tf.int32), [4]], 0)
        return tf.reshape(values, shape)

    unplaced = (boxes - per_coordinate(offset)) / per_coordinate(scale)
    return tf.clip_by_value(unplaced, 0.0, per_coordinate(original_size))


def class_map_to_original(class_map, original_size, placed, offset):
    """A per-pixel map (h, w) or (h, w, K) in model pixels -> the original size.

    The letterbox padding is cropped off, then the rest is resized nearest-neighbour, so class
    ids stay class ids; the dtype is kept.
    """
    class_map = tf.convert_to_tensor(class_map)
    flat = class_map.shape.rank == 2
    maps = class_map[..., None] if flat else class_map
    crop = tf.slice(maps, tf.concat([offset, [0]], 0), tf.concat([placed, [-1]], 0))
    resized = tf.image.resize(crop, original_size, method="nearest")
    return resized[..., 0] if flat else resized
