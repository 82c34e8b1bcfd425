"""LeNet-5's output layer of Euclidean radial basis function units (LeCun et al., Gradient-Based
Learning Applied to Document Recognition, Proc. IEEE 1998, §II.B, Eq. 7)."""

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class EuclideanRBF(keras.layers.Layer):
    """y_i = Σ_j (x_j − w_ij)², one unit per class, with fixed ±1 codes w_i (Eq. 7).

    The paper's codes are stylised 7×12 bitmaps of the characters; here they are a fixed
    pseudo-random ±1 code per class drawn from `code_seed` (the paper's point is that they are
    fixed, distributed and far apart, not which bitmap is used). The codes are a non-trainable
    weight: with 84 inputs and 10 units, 840 connections and 0 trainable parameters.

    y_i is a penalty (smaller is better). With `negate=True` the layer returns −y_i, which are
    logits: softmax(−y) is the posterior behind the paper's MAP criterion (Eq. 9).

    Args:
        units: number of classes.
        code_seed: seed of the ±1 codes.
        negate: return −y_i instead of y_i.
    """

    def __init__(self, units, code_seed=1998, negate=False, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.code_seed = int(code_seed)
        self.negate = bool(negate)

    def build(self, input_shape):
        dim = int(input_shape[-1])
        codes = np.random.default_rng(self.code_seed).choice([-1.0, 1.0], size=(dim, self.units))
        self.codes = self.add_weight(shape=(dim, self.units),
                                     initializer=keras.initializers.Constant(codes.astype("float32")),
                                     trainable=False, name="codes")

    def call(self, x):
        # ‖x − w_i‖² = ‖x‖² − 2 x·w_i + ‖w_i‖², as one matmul.
        y = (ops.sum(ops.square(x), axis=-1, keepdims=True) - 2.0 * ops.matmul(x, self.codes)
             + ops.sum(ops.square(self.codes), axis=0))
        return -y if self.negate else y

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "code_seed": self.code_seed,
                "negate": self.negate}
