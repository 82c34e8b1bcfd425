"""Test-time translation views in one batch: stack shifted copies, then average their scores.

`TranslatedViews` turns images (N, H, W, C) into (V·N, H, W, C): view v is the batch shifted
by `shifts[v]` = (dy, dx) pixels with zeros shifted in, which is the pad-and-crop translation
the classifier was trained with (data/augmentation.py). `ViewAverage` folds the network's
(V·N, K) scores back to (N, K) by averaging the V views. Running the views as one batch lets
the convolutions see V times the batch instead of V separate passes.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class TranslatedViews(keras.layers.Layer):
    def __init__(self, shifts, **kwargs):
        super().__init__(**kwargs)
        self.shifts = [tuple(int(v) for v in shift) for shift in shifts]
        if not self.shifts:
            raise ValueError("TranslatedViews needs at least one shift")

    def call(self, images):
        reach = max(max(abs(dy), abs(dx)) for dy, dx in self.shifts)
        height, width = ops.shape(images)[1], ops.shape(images)[2]
        padded = ops.pad(images, [[0, 0], [reach, reach], [reach, reach], [0, 0]])
        # Content moves by (dy, dx): the window starts at (reach − dy, reach − dx).
        views = [ops.slice(padded, [0, reach - dy, reach - dx, 0],
                           [ops.shape(images)[0], height, width, ops.shape(images)[3]])
                 for dy, dx in self.shifts]
        return ops.concatenate(views, axis=0)

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] * len(self.shifts)
        return (batch, *input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "shifts": [list(shift) for shift in self.shifts]}


@keras.saving.register_keras_serializable(package="kerasvision")
class ViewAverage(keras.layers.Layer):
    """(V·N, K) scores of V stacked views -> (N, K), the mean over the views."""

    def __init__(self, views, **kwargs):
        super().__init__(**kwargs)
        self.views = int(views)

    def call(self, scores):
        classes = ops.shape(scores)[-1]
        return ops.mean(ops.reshape(scores, (self.views, -1, classes)), axis=0)

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.views
        return (batch, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "views": self.views}
