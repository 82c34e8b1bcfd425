"""Nyström features: a finite kernel-PCA embedding (Williams & Seeger, Using the Nyström Method to
Speed Up Kernel Machines, NIPS 2001; Schölkopf, Smola & Müller, Kernel PCA, 1998)."""

import numpy as np

import keras
from keras import ops

from kerasvision.layers.kernel_responses import KERNELS, pairwise_kernel


@keras.saving.register_keras_serializable(package="kerasvision")
class NystroemFeatures(keras.layers.Layer):
    """z(x) = Λ^{-1/2} Uᵀ k(L, x) over `units` landmarks L, with K_LL = U Λ Uᵀ.

    z is x's coordinates on the kernel principal axes of the landmarks (uncentred kernel PCA),
    so z(x)ᵀz(y) = k(x, L) K_LL⁺ k(L, y): exact on the landmarks and the Nyström approximation of
    k elsewhere. This is the "explicit embedding from kernel PCA" that lets a linear unit stand
    in for a kernel machine with a fixed number of parameters. Call `adapt(data)` to choose the
    landmarks and compute the projection (numpy, once); both are then non-trainable weights.

    Args:
        units: number of landmarks (and features).
        kernel, gamma, degree, coef0: as in `pairwise_kernel`.
        seed: seed for choosing landmarks in `adapt`.
    """

    def __init__(self, units, kernel="rbf", gamma=1.0, degree=3, coef0=1.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")
        self.units = int(units)
        self.kernel = kernel
        self.gamma = float(gamma)
        self.degree = int(degree)
        self.coef0 = float(coef0)
        self.seed = seed

    def build(self, input_shape):
        dim = int(input_shape[-1])
        self.landmarks = self.add_weight(name="landmarks", shape=(self.units, dim),
                                         initializer="zeros", trainable=False)
        self.projection = self.add_weight(name="projection", shape=(self.units, self.units),
                                          initializer="zeros", trainable=False)

    def adapt(self, data):
        """Pick `units` landmarks from `data` (all of it if it is no larger) and set Λ^{-1/2}Uᵀ."""
        data = np.asarray(data, dtype="float32").reshape(len(data), -1)
        if not self.built:
            self.build(data.shape)
        rng = np.random.default_rng(self.seed)
        take = rng.choice(len(data), size=self.units, replace=len(data) < self.units)
        landmarks = data[np.sort(take)]
        k_ll = np.asarray(self.kernel_matrix(landmarks, landmarks), dtype="float64")
        eigval, eigvec = np.linalg.eigh(k_ll)
        # Drop numerically null directions: the pseudo-inverse square root of K_LL.
        keep = eigval > eigval.max() * 1e-10
        inv_sqrt = np.zeros_like(eigval)
        inv_sqrt[keep] = 1.0 / np.sqrt(eigval[keep])
        self.landmarks.assign(landmarks)
        self.projection.assign((eigvec * inv_sqrt).astype("float32"))
        return self

    def kernel_matrix(self, x, y):
        return pairwise_kernel(ops.convert_to_tensor(x), ops.convert_to_tensor(y), self.kernel,
                               self.gamma, self.degree, self.coef0)

    def call(self, x):
        return ops.matmul(pairwise_kernel(x, self.landmarks, self.kernel, self.gamma,
                                          self.degree, self.coef0), self.projection)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "kernel": self.kernel,
                "gamma": self.gamma, "degree": self.degree, "coef0": self.coef0,
                "seed": self.seed}
