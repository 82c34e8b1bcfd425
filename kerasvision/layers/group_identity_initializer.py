"""Identity initialisation of convolutions between layers of different widths (Yu & Koltun,
Multi-Scale Context Aggregation by Dilated Convolutions, ICLR 2016, §3).

Random initialisation did not train Yu & Koltun's context module; they start each layer as
an identity map instead, so that the module first passes its input through and then learns
to add context. With c_in inputs, c_out outputs and C groups (the module's C classes):

    k^b(t, a) = C / c_out   if t = 0 (the centre tap) and ⌊a·C/c_in⌋ = ⌊b·C/c_out⌋,
                ε           otherwise, ε ~ N(0, σ²), σ ≪ C / c_out,

where a indexes input and b output maps. If each of the c_in/C maps of group g carries
x_g·C/c_in, every output map of group g carries x_g·C/c_out: group values pass through any
chain of widths (up to ε), and for c_in = c_out = C it is the plain identity 1[t=0]·1[a=b].
"""

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="kerasvision")
class GroupIdentityInitializer(keras.initializers.Initializer):
    """Kernel (kh, kw, c_in, c_out) mapping group g of the inputs to group g of the outputs.

    Args:
        groups: C, the number of groups (None: min(c_in, c_out), the plain identity when
            c_in = c_out).
        relative_stddev: σ in units of C/c_out (0: no noise, the exact identity).
        seed: seed of the noise.
    """

    def __init__(self, groups=None, relative_stddev=0.0, seed=None):
        self.groups = None if groups is None else int(groups)
        self.relative_stddev = float(relative_stddev)
        self.seed = seed

    def __call__(self, shape, dtype=None):
        if len(shape) != 4:
            raise ValueError(f"GroupIdentityInitializer expects a 2-D convolution kernel shape "
                             f"(kh, kw, c_in, c_out), got {tuple(shape)}")
        kh, kw, c_in, c_out = (int(d) for d in shape)
        groups = self.groups or min(c_in, c_out)
        if groups > min(c_in, c_out):
            raise ValueError(f"{groups} groups need at least as many input and output maps, "
                             f"got {c_in} -> {c_out}")
        same_group = (np.arange(c_in)[:, None] * groups // c_in
                      == np.arange(c_out)[None, :] * groups // c_out)
        mask = np.zeros((kh, kw, c_in, c_out), dtype="float32")
        mask[(kh - 1) // 2, (kw - 1) // 2] = same_group
        value = groups / c_out
        dtype = dtype or keras.backend.floatx()
        kernel = keras.ops.convert_to_tensor(mask * value, dtype=dtype)
        if self.relative_stddev > 0:
            noise = keras.random.normal(shape, stddev=self.relative_stddev * value, dtype=dtype,
                                        seed=self.seed)
            kernel = kernel + noise * keras.ops.convert_to_tensor(1.0 - mask, dtype=dtype)
        return kernel

    def get_config(self):
        return {"groups": self.groups, "relative_stddev": self.relative_stddev,
                "seed": self.seed}
