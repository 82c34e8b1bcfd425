"""Fashion-MNIST's own conversion of shop photos, as TensorFlow ops, for a model's photo inputs.

Xiao, Rasul & Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine
Learning Algorithms", arXiv:1708.07747, 2017, §2 made every Fashion-MNIST item from a product
photo (a garment on a light background) by:

1. trimming the edges close to the colour of the corner pixels (within 5 % of the largest
   possible distance);
2. resizing the longest edge to 28 by subsampling (skipping rows and columns);
3. sharpening with a Gaussian operator of radius and standard deviation 1.0, which acts most
   near outlines (unsharp masking: x + (x - blur(x)));
4. extending the shortest edge to 28, the item in the centre;
5. negating the intensities;
6. 8-bit grey.

`place_photo` applies that to an image unless it already looks like a Fashion-MNIST item.
The rule (documented in docs/photo_inputs.md):

- the image's background is the median of its four corner pixels;
- an image exactly the model's size whose background is dark (below mid-grey) is a
  Fashion-MNIST-style item and goes through the usual placement untouched;
- anything else is converted; the intensities are negated only when the background is light
  (a dark garment on white, as a shop photo), so a large light-on-dark image is trimmed,
  subsampled, sharpened and centred but keeps its polarity.

Same ops eagerly (`ImagePreprocessor.preprocess`) and in graphs (`graph_place`, the
SavedModel's `serving_default`), so the CLI, the Python API and TF Serving agree.
"""

import math

import tensorflow as tf

TRIM_FUZZ = 0.05  # §2 step 1: "within 5 % of the maximum possible intensity"
SHARPEN_SIGMA = 1.0  # §2 step 4: radius and standard deviation 1.0
LIGHT_BACKGROUND = 127.5  # above mid-grey: a dark item on a light background


def corner_background(image):
    """Per-channel median of the four corner pixels, float32 (C,)."""
    image = tf.cast(image, tf.float32)
    corners = tf.stack([image[0, 0], image[0, -1], image[-1, 0], image[-1, -1]])
    ordered = tf.sort(corners, axis=0)
    return (ordered[1] + ordered[2]) / 2.0


def looks_like_item(image, size):
    """True when `image` is already a Fashion-MNIST-style item: the model's (h, w) and a dark
    background (light item on dark), which the conversion must leave alone."""
    shape = tf.shape(image)[:2]
    same_size = tf.reduce_all(tf.equal(shape, tf.constant(size, tf.int32)))
    dark = tf.reduce_mean(corner_background(image)) <= LIGHT_BACKGROUND
    return tf.logical_and(same_size, dark)


def _trim_box(image, background):
    """(top, left, height, width) int32 of the part not within the fuzz of the background;
    the whole image when every pixel is background (a flat image)."""
    channels = tf.cast(tf.shape(image)[-1], tf.float32)
    distance = tf.norm(image - background, axis=-1)
    far = distance > TRIM_FUZZ * 255.0 * tf.sqrt(channels)
    rows, cols = tf.reduce_any(far, axis=1), tf.reduce_any(far, axis=0)

    def span(flags):
        n = tf.shape(flags)[0]
        first = tf.cast(tf.argmax(tf.cast(flags, tf.int32)), tf.int32)
        last = n - tf.cast(tf.argmax(tf.cast(tf.reverse(flags, [0]), tf.int32)), tf.int32)
        return first, last - first

    def box():
        top, height = span(rows)
        left, width = span(cols)
        return tf.stack([top, left, height, width])

    whole = tf.concat([tf.zeros([2], tf.int32), tf.shape(image)[:2]], 0)
    return tf.cond(tf.reduce_any(far), box, lambda: whole)


def _gaussian_kernel(channels):
    radius = 1  # §2: radius 1.0 -> a 3x3 operator
    taps = [math.exp(-(i * i) / (2 * SHARPEN_SIGMA ** 2)) for i in range(-radius, radius + 1)]
    line = tf.constant(taps, tf.float32) / sum(taps)
    kernel = line[:, None] * line[None, :]
    return tf.tile(kernel[:, :, None, None], [1, 1, channels, 1])


def sharpen(image):
    """Unsharp masking x + (x - gaussian(x)), clipped to 0–255; edges reflected."""
    channels = image.shape[-1]
    padded = tf.pad(image[None], [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
    blurred = tf.nn.depthwise_conv2d(padded, _gaussian_kernel(channels), [1, 1, 1, 1],
                                     "VALID")[0]
    return tf.clip_by_value(2.0 * image - blurred, 0.0, 255.0)


def convert_photo(image, size):
    """Fashion-MNIST's §2 conversion of one image (H, W, C) to the model's (h, w, C).

    Returns:
        (pixels float32 (h, w, C), scale float32 (2,), offset float32 (2,)): a model pixel
        coordinate c maps back to (c - offset) / scale in the original image.
    """
    image = tf.cast(image, tf.float32)
    channels = image.shape[-1]
    background = corner_background(image)
    top, left, height, width = tf.unstack(_trim_box(image, background))
    item = image[top:top + height, left:left + width]
    # Longest edge to the model's size, by subsampling (nearest neighbour), at least 1 pixel.
    target = tf.constant(size, tf.float32)
    extent = tf.cast(tf.stack([height, width]), tf.float32)
    ratio = tf.reduce_min(target / extent)
    placed = tf.cast(tf.clip_by_value(tf.round(extent * ratio), 1.0, target), tf.int32)
    item = tf.image.resize(item, placed, method="nearest")
    item = sharpen(item)
    # The short edge extended with the background colour, the item centred.
    before = (tf.constant(size, tf.int32) - placed) // 2
    after = tf.constant(size, tf.int32) - placed - before
    canvas = []
    for c in range(channels):
        canvas.append(tf.pad(item[..., c], [[before[0], after[0]], [before[1], after[1]]],
                             constant_values=background[c]))
    pixels = tf.stack(canvas, axis=-1)
    light = tf.reduce_mean(background) > LIGHT_BACKGROUND
    pixels = tf.where(light, 255.0 - pixels, pixels)
    pixels = tf.round(tf.clip_by_value(pixels, 0.0, 255.0))  # 8-bit values
    pixels = tf.ensure_shape(pixels, [size[0], size[1], channels])
    scale = tf.cast(placed, tf.float32) / extent
    offset = tf.cast(before, tf.float32) - tf.cast(tf.stack([top, left]), tf.float32) * scale
    return pixels, scale, offset


def place_photo(image, size, resize, pad_value):
    """`place_image` for a model that takes Fashion-MNIST-style items: converts a photo
    (`convert_photo`) unless `looks_like_item`; same returns as `place_image`, offset float32.
    """
    from kerasvision.io.image_placement import place_image

    image = tf.convert_to_tensor(image)
    original_size = tf.shape(image)[:2]

    def as_is():
        pixels, _, scale, offset = place_image(image, size, resize, pad_value)
        return pixels, scale, tf.cast(offset, tf.float32)

    pixels, scale, offset = tf.cond(looks_like_item(image, size), as_is,
                                    lambda: convert_photo(image, size))
    return pixels, original_size, scale, offset


__all__ = ["convert_photo", "corner_background", "looks_like_item", "place_photo", "sharpen"]
