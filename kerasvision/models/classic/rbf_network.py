"""Radial basis function networks (Broomhead & Lowe, Multivariable Functional Interpolation and
Adaptive Networks, Complex Systems 1988; Moody & Darken, Neural Computation 1989).

The lecture's middle road between kernels and MLPs: instead of one basis function per training
pattern, fix their number in advance and learn their parameters together with the linear
function, f(x) = Σᵢ αᵢ φᵢ(x; θᵢ).
"""

import numpy as np

import keras

from kerasvision.layers.gaussian_basis import GaussianBasis
from kerasvision.registry import register_model


def _toy_batch(model, batch_size, rng):
    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    x = rng.normal(size=(batch_size, *shape)).astype("float32")
    y = rng.integers(0, int(model.outputs[0].shape[-1]), size=(batch_size,)).astype("int32")
    return x, y


@register_model(
    "rbf_network",
    task="classic",
    paper="Broomhead & Lowe 1988; Moody & Darken, Neural Computation 1989",
    tiny={"input_shape": (3,), "basis_functions": 4, "classes": 3},
    inputs=_toy_batch,
)
def rbf_network(input_shape=(2,), basis_functions=16, classes=2, centers=None, width=1.0,
                learning_rate=0.05, name="rbf_network"):
    """Gaussian RBF network: learned centres and widths, linear softmax output, cross-entropy.

    Args:
        input_shape: shape of one input (flattened).
        basis_functions: number of Gaussian basis functions φᵢ.
        classes: number of softmax outputs.
        centers: optional initial centres `(basis_functions, input_dim)` (e.g. k-means or a
            sample of the data); uniform in [−1, 1] otherwise.
        width: initial σ of every basis function.
        learning_rate: Adam step size of the compiled model.

    Returns:
        A functional model compiled with Adam and sparse categorical cross-entropy.
    """
    init = (keras.initializers.RandomUniform(-1.0, 1.0) if centers is None
            else keras.initializers.Constant(np.asarray(centers, "float32").tolist()))
    inputs = keras.Input(shape=tuple(input_shape), name="x")
    x = keras.layers.Flatten(name="flatten")(inputs)
    phi = GaussianBasis(basis_functions, centers_initializer=init, width=width,
                        name="basis")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(phi)
    model = keras.Model(inputs, outputs, name=name)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
