"""The package's one image resize: bilinear and antialiased, in TensorFlow ops.

Every path that resizes pixels (the tasks' preprocessing, the serving signatures, training
from a folder, the CLI, `kerasvision.io.resize_image`) ends here, eagerly or inside a graph,
so a model sees the same pixels however an image reaches it (docs/architecture.md).
"""

import tensorflow as tf


def resize_pixels(images, size):
    """Bilinear, antialiased resize of pixels (…, H, W, C) to `size` = (height, width).

    Args:
        images: numeric array or tensor, (H, W, C) or (N, H, W, C).
        size: (height, width), Python ints or an int32 tensor.

    Returns:
        float32 tensor (…, height, width, C).
    """
    images = tf.cast(images, tf.float32)
    return tf.image.resize(images, size, method="bilinear", antialias=True)
