"""A tiny segmenter: the contract's segmentation example.

A stride-2 convolution, a convolution, bilinear upsampling back to input size and a 1x1
classifier giving per-pixel class logits at input resolution.
"""

import keras


def tiny_segmenter(input_shape=(32, 32, 3), classes=4, filters=8, name="tiny_segmenter"):
    """Per-pixel class logits `(H, W, classes)` from a two-convolution encoder."""
    images = keras.Input(input_shape)
    x = keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(images)
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = keras.layers.UpSampling2D(2, interpolation="bilinear")(x)
    logits = keras.layers.Conv2D(classes, 1, name="pixel_logits")(x)
    return keras.Model(images, logits, name=name)
