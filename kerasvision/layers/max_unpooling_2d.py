"""Max unpooling: put pooled values back where the maxima were, zeros elsewhere.

The "switch" unpooling of DeconvNet (Zeiler & Fergus, ECCV 2014, Sec. 2.1; Noh et al., ICCV
2015, Sec. 3.2) and SegNet's decoder (Badrinarayanan et al., TPAMI 2017, Fig. 3).
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class MaxUnpooling2D(keras.layers.Layer):
    """y[argmax[b,i,j,c]] = x[b,i,j,c]; every other entry of y is 0.

    Call on `[values, argmax]` from `MaxPoolingWithArgmax2D`, where the pooled input had shape
    (H, W) = (h·size[0], w·size[1]); or on `[values, argmax, like]` where `like` is the tensor
    that was pooled (its shape is the output shape: needed when H or W was odd). Where
    overlapping windows recorded the same maximum twice, it is written once, not summed.
    """

    def __init__(self, size=(2, 2), **kwargs):
        super().__init__(**kwargs)
        self.size = (size, size) if isinstance(size, int) else tuple(int(v) for v in size)
        if len(self.size) != 2 or min(self.size) < 1:
            raise ValueError(f"size must be a positive int or a pair of them, got {size!r}")

    def call(self, inputs):
        if len(inputs) not in (2, 3):
            raise ValueError("MaxUnpooling2D takes [values, argmax] or [values, argmax, like]")
        values, argmax = inputs[0], inputs[1]
        if len(inputs) == 3:
            out_shape = ops.shape(inputs[2])
        else:
            shape = ops.shape(values)
            out_shape = (shape[0], shape[1] * self.size[0], shape[2] * self.size[1], shape[3])
        flat_size = out_shape[0] * out_shape[1] * out_shape[2] * out_shape[3]
        flat = ops.zeros((flat_size,), dtype=values.dtype)
        flat = ops.scatter_update(flat, ops.reshape(ops.cast(argmax, "int64"), (-1, 1)),
                                  ops.reshape(values, (-1,)))
        return ops.reshape(flat, out_shape)

    def compute_output_shape(self, input_shape):
        if len(input_shape) == 3:
            return tuple(input_shape[2][:3]) + (input_shape[0][3],)
        b, h, w, c = input_shape[0]
        return (b, None if h is None else h * self.size[0],
                None if w is None else w * self.size[1], c)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size})
        return config
