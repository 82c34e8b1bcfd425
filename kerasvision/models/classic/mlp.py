"""The multi-layer perceptron, with the lecture's activation functions, regularisers and
initialisations (Rumelhart, Hinton & Williams 1986; maxout: Goodfellow et al. 2013; dropout:
Srivastava et al. 2014; DropConnect: Wan et al. 2013; batch normalisation: Ioffe & Szegedy 2015;
weight normalisation: Salimans & Kingma 2016; He initialisation: He et al. 2015; dense skip
connections: Huang et al. 2017).

Each hidden unit computes a linear function of the previous layer followed by a scalar
non-linearity, z = h(Wx); the output is a softmax over class scores trained with cross-entropy,
L = −Σₙ ln p(lₙ | xₙ).
"""

import keras

from kerasvision.layers.drop_connect import DropConnectDense
from kerasvision.layers.maxout import Maxout
from kerasvision.layers.weight_normalization import WeightNormalization
from kerasvision.registry import register_model

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "maxout")


def weight_initializer(name, seed=None):
    """A Keras initializer from a name, with the lecture's He variants.

    "he_normal_fan_in": N(0, 2/n_in) (He et al. 2015, eq. 10); "he_normal_fan_out":
    N(0, 2/n_out) — the lecture's "standard deviation sqrt(2/n), n the number of outputs"
    (He et al.'s backward-pass form, eq. 14). Other names go to `keras.initializers.get`.
    """
    if name == "he_normal_fan_in":
        return keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal", seed=seed)
    if name == "he_normal_fan_out":
        return keras.initializers.VarianceScaling(2.0, "fan_out", "untruncated_normal", seed=seed)
    init = keras.initializers.get(name)
    if seed is not None and hasattr(init, "seed"):
        init = init.__class__.from_config({**init.get_config(), "seed": seed})
    return init


def _class_batch(model, batch_size, rng):
    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    x = rng.uniform(0.0, 1.0, size=(batch_size, *shape)).astype("float32")
    y = rng.integers(0, int(model.outputs[0].shape[-1]), size=(batch_size,)).astype("int32")
    return x, y


@register_model(
    "mlp",
    task="classic",
    paper="Rumelhart, Hinton & Williams, Learning representations by back-propagating errors, "
          "Nature 1986",
    reference={"measured": {"fashion_mnist_test_accuracy": 0.883},
               "source": "zalandoresearch/fashion-mnist benchmark, MLP 256-128-100"},
    tiny={"input_shape": (6,), "hidden_units": (5, 4), "classes": 3, "batch_norm": True,
          "dropout": 0.1},
    inputs=_class_batch,
)
def mlp(input_shape=(28, 28), hidden_units=(256, 128, 100), classes=10, activation="relu",
        leaky_alpha=0.01, maxout_pieces=2, dropout=0.0, drop_connect=0.0, weight_decay=0.0,
        batch_norm=False, initializer="he_normal_fan_in", weight_norm=False, dense_skip=False,
        learning_rate=1e-3, seed=None, name="mlp"):
    """Multi-layer perceptron of any depth and width with a softmax output.

    Args:
        input_shape: shape of one input; it is flattened.
        hidden_units: widths of the hidden layers, input to output (any depth, () for none).
        classes: number of softmax outputs.
        activation: "sigmoid", "tanh", "relu", "leaky_relu" (max(αx, x), α = `leaky_alpha`) or
            "maxout" (a `Maxout` layer of `maxout_pieces` pieces replaces the FC + activation).
        dropout: unit dropout rate after each hidden non-linearity.
        drop_connect: DropConnect rate on each hidden layer's weights (0: plain Dense).
        weight_decay: L2 penalty λ on every kernel (the lecture's λΩ(W)).
        batch_norm: FC → BN → non-linearity (the lecture's placement; the FC then has no bias,
            which BN's β replaces). With maxout the non-linearity is inside the FC, so BN follows
            the Maxout layer.
        initializer: "he_normal_fan_in", "he_normal_fan_out", "zeros" or any Keras initializer
            name, used for every kernel.
        weight_norm: reparameterise every Dense kernel as w = g·v/‖v‖ (Salimans & Kingma 2016).
        dense_skip: each layer, the output layer included, also sees the input and the outputs
            of all earlier layers (concatenated), as in a dense block.
        learning_rate: Adam step size of the compiled model.
        seed: seed of the initialisers (layer i uses seed + i), dropout and DropConnect masks.

    Returns:
        A functional model compiled with Adam and sparse categorical cross-entropy.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if activation == "maxout" and (weight_norm or drop_connect):
        raise ValueError("maxout layers support neither weight_norm nor drop_connect")
    if weight_norm and drop_connect:
        raise ValueError("weight_norm and drop_connect cannot be combined")
    regularizer = keras.regularizers.L2(weight_decay) if weight_decay else None

    def layer_seed(i):
        return None if seed is None else seed + i

    def fully_connected(units, i, name, out_activation=None, use_bias=True, drop=0.0):
        kwargs = dict(activation=out_activation, use_bias=use_bias, kernel_regularizer=regularizer,
                      kernel_initializer=weight_initializer(initializer, layer_seed(i)))
        if drop:
            return DropConnectDense(units, rate=drop, seed=layer_seed(i), name=name, **kwargs)
        dense = keras.layers.Dense(units, name=name, **kwargs)
        return WeightNormalization(dense, name=f"{name}_wn") if weight_norm else dense

    inputs = keras.Input(shape=tuple(input_shape), name="x")
    x = keras.layers.Flatten(name=f"{name}_flatten")(inputs)
    seen = [x]
    for i, units in enumerate(hidden_units, start=1):
        h = (keras.layers.Concatenate(name=f"{name}_skip{i}")(seen)
             if dense_skip and len(seen) > 1 else x)
        if activation == "maxout":
            h = Maxout(units, pieces=maxout_pieces, kernel_regularizer=regularizer,
                       kernel_initializer=weight_initializer(initializer, layer_seed(i)),
                       name=f"{name}_maxout{i}")(h)
            if batch_norm:
                h = keras.layers.BatchNormalization(name=f"{name}_bn{i}")(h)
        else:
            h = fully_connected(units, i, f"{name}_fc{i}", use_bias=not batch_norm,
                                drop=drop_connect)(h)
            if batch_norm:  # FC -> BN -> non-linearity (Ioffe & Szegedy 2015)
                h = keras.layers.BatchNormalization(name=f"{name}_bn{i}")(h)
            if activation == "leaky_relu":
                h = keras.layers.LeakyReLU(negative_slope=leaky_alpha, name=f"{name}_act{i}")(h)
            else:
                h = keras.layers.Activation(activation, name=f"{name}_act{i}")(h)
        if dropout:
            h = keras.layers.Dropout(dropout, seed=layer_seed(i), name=f"{name}_dropout{i}")(h)
        x = h
        seen.append(h)
    if dense_skip and len(seen) > 1:
        x = keras.layers.Concatenate(name=f"{name}_skip_out")(seen)
    outputs = fully_connected(classes, len(hidden_units) + 1, f"{name}_predictions",
                              out_activation="softmax")(x)
    model = keras.Model(inputs, outputs, name=name)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
