"""Random Fourier features (Rahimi & Recht, Random Features for Large-Scale Kernel Machines,
NIPS 2007)."""

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class RandomFourierFeatures(keras.layers.Layer):
    """z(x) = √(2/D) cos(Wᵀx + b), with z(x)ᵀz(y) ≈ exp(−γ‖x − y‖²) (Algorithm 1).

    By Bochner's theorem the Gaussian kernel is the Fourier transform of a Gaussian: the columns
    of W are drawn from N(0, 2γ I) and b from U[0, 2π]. Both are fixed (non-trainable), so a
    linear unit trained on z approximates a kernel machine with an explicit, finite embedding.

    Args:
        units: number of features D (the approximation error falls as 1/√D).
        gamma: RBF kernel parameter γ.
        seed: seed for W and b.
    """

    def __init__(self, units, gamma=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.gamma = float(gamma)
        self.seed = seed

    def build(self, input_shape):
        dim = int(input_shape[-1])
        self.frequencies = self.add_weight(
            name="frequencies", shape=(dim, self.units), trainable=False,
            initializer=keras.initializers.RandomNormal(stddev=math.sqrt(2.0 * self.gamma),
                                                        seed=self.seed))
        self.phases = self.add_weight(
            name="phases", shape=(self.units,), trainable=False,
            initializer=keras.initializers.RandomUniform(
                0.0, 2.0 * math.pi, seed=None if self.seed is None else self.seed + 1))

    def call(self, x):
        return math.sqrt(2.0 / self.units) * ops.cos(ops.matmul(x, self.frequencies)
                                                     + self.phases)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "gamma": self.gamma,
                "seed": self.seed}
