"""Kernel evaluations against stored points: the k(x, ·) of the representer theorem
(Schölkopf, Herbrich & Smola, A Generalized Representer Theorem, COLT 2001)."""

import keras
from keras import ops

KERNELS = ("linear", "polynomial", "rbf")


def pairwise_kernel(x, y, kernel="rbf", gamma=1.0, degree=3, coef0=1.0):
    """k(xᵢ, yⱼ) for all pairs, as a `(len(x), len(y))` matrix.

    linear: xᵀy; polynomial: (γ xᵀy + c₀)^degree; rbf: exp(−γ ‖x − y‖²).
    """
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")
    dots = ops.matmul(x, ops.transpose(y))
    if kernel == "linear":
        return dots
    if kernel == "polynomial":
        return ops.power(gamma * dots + coef0, degree)
    # ‖x − y‖² = ‖x‖² − 2xᵀy + ‖y‖², clipped at 0 against rounding.
    sq = (ops.sum(ops.square(x), axis=-1, keepdims=True) - 2.0 * dots
          + ops.sum(ops.square(y), axis=-1)[None, :])
    return ops.exp(-gamma * ops.maximum(sq, 0.0))


@keras.saving.register_keras_serializable(package="kerasvision")
class KernelResponses(keras.layers.Layer):
    """k(x, sᵢ) + offset for `size` stored points sᵢ (non-trainable; set by the owner).

    A dual-form classifier f(x) = Σᵢ αᵢ k(x, xᵢ) = αᵀk(x, ·) is a linear unit over these responses.
    `offset` adds a constant to every kernel value, the dual image of a constant bias feature
    (k'(x, y) = k(x, y) + 1 is the kernel of φ'(x) = [φ(x), 1]).

    Args:
        size: number of stored points.
        kernel: "linear", "polynomial" or "rbf".
        gamma, degree, coef0: kernel parameters (see `pairwise_kernel`).
        offset: constant added to every kernel value.
    """

    def __init__(self, size, kernel="rbf", gamma=1.0, degree=3, coef0=1.0, offset=0.0,
                 **kwargs):
        super().__init__(**kwargs)
        if kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")
        self.size = int(size)
        self.kernel = kernel
        self.gamma = float(gamma)
        self.degree = int(degree)
        self.coef0 = float(coef0)
        self.offset = float(offset)

    def build(self, input_shape):
        self.points = self.add_weight(name="points", shape=(self.size, int(input_shape[-1])),
                                      initializer="zeros", trainable=False)

    def call(self, x):
        return self.respond(x, self.points)

    def respond(self, x, points):
        """Responses of `x` to the given points (used while the owner is updating them)."""
        return pairwise_kernel(x, points, self.kernel, self.gamma, self.degree,
                               self.coef0) + self.offset

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "kernel": self.kernel,
                "gamma": self.gamma, "degree": self.degree, "coef0": self.coef0,
                "offset": self.offset}
