"""Locally connected 2-D layer: a convolution whose weights are not shared across positions.

Used by DeepFace (Taigman et al., DeepFace: Closing the Gap to Human-Level Performance in Face
Verification, CVPR 2014, Sec. 3) and discussed by LeCun et al. (1998) as the unshared
alternative to convolution. Keras 3 dropped `keras.layers.LocallyConnected2D`; this restores it.
"""

import keras
from keras import ops

from kerasvision.layers.spatial_pair import spatial_pair


@keras.saving.register_keras_serializable(package="kerasvision")
class LocallyConnected2D(keras.layers.Layer):
    """y[i, j, f] = act(Σ_{u,v,c} W[i, j, u, v, c, f] · x[s·i + u, s·j + v, c] + b[i, j, f]).

    Exactly a `Conv2D` except that every output position (i, j) has its own kernel and bias, so
    the layer needs a fixed input height and width. Channels-last only.

    Args:
        filters: number of output channels.
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw).
        padding: "valid" or "same" (zero padding, placed as in `Conv2D`).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = spatial_pair(kernel_size, "kernel_size")
        self.strides = spatial_pair(strides, "strides")
        padding = padding.lower()
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def _output_hw(self, height, width):
        out = []
        for n, k, s in zip((height, width), self.kernel_size, self.strides):
            if n is None:
                out.append(None)
            else:
                out.append((n - k) // s + 1 if self.padding == "valid" else -(-n // s))
        return tuple(out)

    def build(self, input_shape):
        height, width, channels = input_shape[1:]
        if height is None or width is None or channels is None:
            raise ValueError("LocallyConnected2D needs a fixed input height, width and channels "
                             f"(unshared weights), got input shape {tuple(input_shape)}")
        self.out_h, self.out_w = self._output_hw(height, width)
        if self.out_h < 1 or self.out_w < 1:
            raise ValueError(f"kernel {self.kernel_size} does not fit input {tuple(input_shape)}")
        patch = self.kernel_size[0] * self.kernel_size[1] * channels
        # One (patch -> filters) matrix per output position; patch order (u, v, c) is the
        # order of keras.ops.image.extract_patches.
        self.kernel = self.add_weight(
            name="kernel", shape=(self.out_h * self.out_w, patch, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.out_h, self.out_w, self.filters),
                initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                constraint=self.bias_constraint)

    def call(self, inputs):
        patches = ops.image.extract_patches(inputs, self.kernel_size, strides=self.strides,
                                            padding=self.padding, data_format="channels_last")
        positions = self.out_h * self.out_w
        patches = ops.reshape(patches, (-1, positions, ops.shape(self.kernel)[1]))
        outputs = ops.einsum("bpk,pkf->bpf", patches, self.kernel)
        outputs = ops.reshape(outputs, (-1, self.out_h, self.out_w, self.filters))
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        out_h, out_w = self._output_hw(*input_shape[1:3])
        return (input_shape[0], out_h, out_w, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
            "bias_constraint": keras.constraints.serialize(self.bias_constraint),
        })
        return config
