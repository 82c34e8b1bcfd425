"""A deterministic left-right flip (keras.layers.RandomFlip is random and off at inference)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class HorizontalFlip(keras.layers.Layer):
    """Mirror images (N, H, W, C) left to right: y[:, i, j] = x[:, i, W − 1 − j].

    Used for test-time augmentation: averaging a classifier's scores over an image and its
    mirror image is the cheapest ensemble there is (Krizhevsky et al. 2012 averaged 10 crops
    and their reflections).
    """

    def call(self, x):
        return ops.flip(x, axis=-2)

    def compute_output_shape(self, input_shape):
        return input_shape
