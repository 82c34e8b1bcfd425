"""Augmentation for detection and segmentation: the boxes and masks move with the pixels.

    image, boxes, classes, masks = random_flip_and_scale(
        image, boxes, classes, masks, seed=[7, 0], scale_range=(0.5, 1.5))

Horizontal flips and scale jitter with a random crop or pad back to a fixed size are the
augmentation of SSD (Liu et al., ECCV 2016) and of large-scale-jitter training (Ghiasi et
al., "Simple Copy-Paste", CVPR 2021). Everything is TensorFlow graph ops, so it runs inside
tf.data; randomness is stateless (tf.random.stateless_*) so a seed fixes the result whatever
the parallelism.

Conventions shared with fashion_scenes.py:
- image (H, W, C), any real or integer dtype; returned as float32.
- boxes (N, 4) [x_min, y_min, x_max, y_max] in pixel-edge coordinates, exclusive maxima.
  A row with no area (padding is [-1, -1, -1, -1]) is not a box; after a transform, boxes
  are clipped to the canvas and a box left with no area becomes [-1, -1, -1, -1] (its class
  -1): the rows stay where they were, so they still line up with instance masks.
- masks (H, W, K): any number of integer or bool channels (a semantic mask as K = 1, or N
  instance masks), resampled nearest-neighbour so labels never blend; padding is 0.
"""

import tensorflow as tf


def flip_left_right(image, boxes, masks):
    """Mirror image, boxes and masks horizontally (exact: x -> width - x)."""
    width = tf.cast(tf.shape(image)[1], tf.float32)
    boxes = tf.cast(boxes, tf.float32)
    flipped = tf.stack([width - boxes[:, 2], boxes[:, 1], width - boxes[:, 0], boxes[:, 3]],
                       axis=-1)
    return (tf.reverse(image, axis=[1]), _keep_valid(boxes, flipped),
            tf.reverse(masks, axis=[1]))


def scale_and_place(image, boxes, masks, scale, offset, output_size):
    """Scale by `scale`, then put the result's top-left corner at `offset` on a canvas.

    Args:
        image, boxes, masks: see the module docstring.
        scale: scalar; the scaled size is round(H * scale) x round(W * scale), at least 1.
        offset: (y, x) integer position of the scaled image on the output canvas; negative
            values crop the scaled image, positive ones pad it (with 0).
        output_size: (height, width) of the result.

    Returns:
        (image float32, boxes float32 clipped to the canvas, masks of the input dtype).
    """
    image = tf.cast(image, tf.float32)
    boxes = tf.cast(boxes, tf.float32)
    in_size = tf.shape(image)[:2]
    scaled_size = _scaled_size(in_size, scale)
    # Antialias the image when shrinking; nearest for labels, which must not blend.
    scaled_image = tf.image.resize(image, scaled_size, antialias=True)
    scaled_masks = _resize_nearest(masks, scaled_size)
    factors = tf.cast(scaled_size, tf.float32) / tf.cast(in_size, tf.float32)  # (sy, sx)
    offset = tf.cast(offset, tf.int32)
    moved = (boxes * tf.stack([factors[1], factors[0], factors[1], factors[0]])
             + tf.cast(tf.stack([offset[1], offset[0], offset[1], offset[0]]), tf.float32))
    output_size = tf.cast(output_size, tf.int32)
    out_h, out_w = tf.cast(output_size[0], tf.float32), tf.cast(output_size[1], tf.float32)
    clipped = tf.stack([tf.clip_by_value(moved[:, 0], 0.0, out_w),
                        tf.clip_by_value(moved[:, 1], 0.0, out_h),
                        tf.clip_by_value(moved[:, 2], 0.0, out_w),
                        tf.clip_by_value(moved[:, 3], 0.0, out_h)], axis=-1)
    return (_place(scaled_image, offset, output_size), _keep_valid(boxes, clipped),
            _place(scaled_masks, offset, output_size))


def random_flip_and_scale(image, boxes, classes, masks, seed, output_size=None,
                          scale_range=(0.5, 1.5), flip_probability=0.5):
    """Random horizontal flip, then random scale and a random crop or pad to `output_size`.

    Args:
        image, boxes, masks: see the module docstring.
        classes: (N,) class ids, -1 for padding; set to -1 where a box leaves the canvas.
        seed: shape-(2,) integer tensor; equal seeds give equal results.
        output_size: (height, width) of the results; default the input's size.
        scale_range: (smallest, largest) scale factor, drawn uniformly.
        flip_probability: chance of the horizontal flip.

    Returns:
        (image float32, boxes float32, classes, masks), boxes and masks transformed alike.
    """
    flip_seed, scale_seed, y_seed, x_seed = tf.unstack(
        tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 4))
    image = tf.cast(image, tf.float32)
    boxes = tf.cast(boxes, tf.float32)
    if output_size is None:
        output_size = tf.shape(image)[:2]
    output_size = tf.cast(output_size, tf.int32)
    flip = tf.random.stateless_uniform([], flip_seed) < flip_probability
    image, boxes, masks = tf.cond(flip, lambda: flip_left_right(image, boxes, masks),
                                  lambda: (image, boxes, masks))
    scale = tf.random.stateless_uniform([], scale_seed, scale_range[0], scale_range[1])
    scaled_size = _scaled_size(tf.shape(image)[:2], scale)
    # Crop when the scaled image is larger than the canvas, pad when it is smaller.
    room = output_size - scaled_size
    low, high = tf.minimum(room, 0), tf.maximum(room, 0)
    offset = tf.stack([
        tf.random.stateless_uniform([], y_seed, low[0], high[0] + 1, dtype=tf.int32),
        tf.random.stateless_uniform([], x_seed, low[1], high[1] + 1, dtype=tf.int32)])
    image, boxes, masks = scale_and_place(image, boxes, masks, scale, offset, output_size)
    classes = tf.convert_to_tensor(classes)
    classes = tf.where(_has_area(boxes), classes, tf.constant(-1, classes.dtype))
    return image, boxes, classes, masks


def boxes_from_masks(masks):
    """(K, 4) float32 tight boxes of the K channels of (H, W, K) masks; [-1]*4 if empty."""
    present = tf.cast(masks, tf.bool)
    rows = tf.cast(tf.reduce_any(present, axis=1), tf.int32)  # (H, K)
    cols = tf.cast(tf.reduce_any(present, axis=0), tf.int32)  # (W, K)
    height, width = tf.shape(rows)[0], tf.shape(cols)[0]
    boxes = tf.cast(tf.stack([
        tf.argmax(cols, axis=0, output_type=tf.int32),
        tf.argmax(rows, axis=0, output_type=tf.int32),
        width - tf.argmax(tf.reverse(cols, axis=[0]), axis=0, output_type=tf.int32),
        height - tf.argmax(tf.reverse(rows, axis=[0]), axis=0, output_type=tf.int32),
    ], axis=-1), tf.float32)
    empty = tf.reduce_max(rows, axis=0) == 0
    return tf.where(empty[:, None], -1.0, boxes)


def _scaled_size(size, scale):
    return tf.maximum(tf.cast(tf.round(tf.cast(size, tf.float32) * scale), tf.int32), 1)


def _resize_nearest(masks, size):
    # resize keeps the dtype for nearest-neighbour, but does not take bools.
    resized = tf.image.resize(tf.cast(masks, tf.uint8) if masks.dtype == tf.bool else masks,
                              size, method="nearest")
    return tf.cast(resized, masks.dtype)


def _place(pixels, offset, output_size):
    """Copy `pixels` (h, w, C) onto a zero canvas of output_size with its corner at offset."""
    size = tf.shape(pixels)[:2]
    source_start = tf.maximum(-offset, 0)
    target_start = tf.minimum(tf.maximum(offset, 0), output_size)
    extent = tf.maximum(tf.minimum(size - source_start, output_size - target_start), 0)
    window = tf.slice(pixels, tf.concat([source_start, [0]], 0),
                      tf.concat([extent, [-1]], 0))
    after = output_size - target_start - extent
    return tf.pad(window, [[target_start[0], after[0]], [target_start[1], after[1]], [0, 0]])


def _has_area(boxes):
    return (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])


def _keep_valid(before, after):
    """`after` where it has area and `before` was a box; [-1, -1, -1, -1] elsewhere."""
    keep = _has_area(before) & _has_area(after)
    return tf.where(keep[:, None], after, -1.0)
