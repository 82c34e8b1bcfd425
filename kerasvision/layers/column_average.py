"""The average of independently trained columns' class probabilities.

Ciresan, Meier & Schmidhuber (Multi-column Deep Neural Networks for Image Classification,
CVPR 2012, §2) train each column on its own and average their predictions. Training the
columns of one Keras model each with its own loss keeps them independent only if the
average's loss sends no gradient back, so the average stops the gradient: its loss is a
reported figure, not a training signal.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class ColumnAverage(keras.layers.Layer):
    """[(N, K) probabilities of each column] -> (N, K), their mean, no gradient to them."""

    def call(self, columns):
        return ops.mean(ops.stack([ops.stop_gradient(c) for c in columns], axis=0), axis=0)

    def compute_output_shape(self, input_shapes):
        return tuple(input_shapes[0])
