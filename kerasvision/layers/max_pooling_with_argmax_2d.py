"""Max pooling that also returns where each maximum came from ("switches").

The switches drive unpooling in DeconvNet (Zeiler & Fergus, Visualizing and Understanding
Convolutional Networks, ECCV 2014, Sec. 2.1; Noh et al., Learning Deconvolution Network for
Semantic Segmentation, ICCV 2015) and SegNet (Badrinarayanan et al., TPAMI 2017).
"""

import keras
from keras import ops

from kerasvision.layers.spatial_pair import spatial_pair


@keras.saving.register_keras_serializable(package="kerasvision")
class MaxPoolingWithArgmax2D(keras.layers.Layer):
    """Returns `[y, argmax]` with y[b,i,j,c] = max_{(u,v) ∈ window(i,j)} x[b,u,v,c].

    `argmax[b,i,j,c]` is the flat index ((b·H + u)·W + v)·C + c of the maximum in the
    (batch-inclusive) input, as `tf.nn.max_pool_with_argmax(include_batch_in_index=True)`
    gives it (Keras has no argmax pooling op). `MaxUnpooling2D` consumes it. Channels-last.
    Not XLA-compilable: models containing it train with `jit_compile=False`.
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", **kwargs):
        super().__init__(**kwargs)
        self.pool_size = spatial_pair(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else spatial_pair(strides, "strides")
        padding = padding.lower()
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        self.input_spec = keras.layers.InputSpec(ndim=4)
        # XLA has no MaxPoolWithArgmax kernel: keep jit_compile="auto" (XLA on GPU) off.
        self.supports_jit = False

    def call(self, inputs):
        import tensorflow as tf

        values, argmax = tf.nn.max_pool_with_argmax(
            inputs, ksize=(1, *self.pool_size, 1), strides=(1, *self.strides, 1),
            padding=self.padding.upper(), include_batch_in_index=True)
        return [values, ops.cast(argmax, "int64")]

    def _output_shape(self, input_shape):
        spatial = []
        for n, k, s in zip(input_shape[1:3], self.pool_size, self.strides):
            if n is None:
                spatial.append(None)
            else:
                spatial.append((n - k) // s + 1 if self.padding == "valid" else -(-n // s))
        return (input_shape[0], *spatial, input_shape[3])

    def compute_output_shape(self, input_shape):
        shape = self._output_shape(input_shape)
        return [shape, shape]

    def compute_output_spec(self, inputs):
        shape = self._output_shape(inputs.shape)
        return [keras.KerasTensor(shape, dtype=self.compute_dtype),
                keras.KerasTensor(shape, dtype="int64")]

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "strides": self.strides,
                       "padding": self.padding})
        return config
