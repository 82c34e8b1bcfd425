"""Training-time image augmentation as tf.data functions (per image, uint8 or float HWC).

Pad-and-crop and horizontal flips are the standard CIFAR recipe (He et al. 2016); random
erasing (Zhong et al., AAAI 2020) is what the Fashion-MNIST leaderboard's best entries add.
These run in the input pipeline, never in the model, so inference graphs stay clean.
"""

import tensorflow as tf


def pad_and_crop(image, pad):
    """Zero-pad by `pad` pixels each side, then crop back to the original size at random."""
    shape = tf.shape(image)
    padded = tf.pad(image, [[pad, pad], [pad, pad], [0, 0]])
    return tf.image.random_crop(padded, shape)


def random_erasing(image, probability=0.5, area=(0.02, 0.25), aspect=(0.3, 3.3)):
    """With `probability`, overwrite one random rectangle with uniform noise in [0, 255]."""
    h = tf.shape(image)[0]
    w = tf.shape(image)[1]
    hf, wf = tf.cast(h, tf.float32), tf.cast(w, tf.float32)
    target = tf.random.uniform([], *area) * hf * wf
    log_ratio = tf.random.uniform([], tf.math.log(aspect[0]), tf.math.log(aspect[1]))
    ratio = tf.exp(log_ratio)
    eh = tf.clip_by_value(tf.cast(tf.round(tf.sqrt(target * ratio)), tf.int32), 1, h)
    ew = tf.clip_by_value(tf.cast(tf.round(tf.sqrt(target / ratio)), tf.int32), 1, w)
    top = tf.random.uniform([], 0, h - eh + 1, dtype=tf.int32)
    left = tf.random.uniform([], 0, w - ew + 1, dtype=tf.int32)
    rows = tf.range(h)[:, None]
    cols = tf.range(w)[None, :]
    inside = (rows >= top) & (rows < top + eh) & (cols >= left) & (cols < left + ew)
    inside = inside[:, :, None] & (tf.random.uniform([]) < probability)
    noise = tf.random.uniform(tf.shape(image), 0.0, 255.0)
    return tf.where(inside, noise, tf.cast(image, tf.float32))


def standard_augmentation(pad=2, flip=True, erasing=0.5):
    """Function image -> float32 image: pad-crop, optional flip, random erasing."""

    def augment(image):
        image = pad_and_crop(image, pad) if pad else image
        if flip:
            image = tf.image.random_flip_left_right(image)
        image = tf.cast(image, tf.float32)
        return random_erasing(image, erasing) if erasing else image

    return augment
