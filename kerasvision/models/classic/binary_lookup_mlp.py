"""An MLP that separates any labelling of binary inputs by table look-up (the lecture's
"classification over binary inputs"; Minsky & Papert, Perceptrons, 1969, on its cost).

Inputs are D units in {−1, +1}. Hidden unit m is a template of positive example xₘ:
zₘ = step(xₘᵀx − D), which fires (1) only on x = xₘ, since xₘᵀx = D there and ≤ D − 2 elsewhere.
The output is an OR, y = sign(Σₘ zₘ − 1). Any labelling is separable, but the hidden layer
needs one unit per positive — exponentially many in D in the worst case.
"""

import numpy as np

import keras

from kerasvision.layers.sign import Sign
from kerasvision.registry import register_model


def _binary_batch(model, batch_size, rng):
    dim = int(model.inputs[0].shape[-1])
    x = np.where(rng.uniform(size=(batch_size, dim)) < 0.5, -1.0, 1.0).astype("float32")
    t = np.where(rng.uniform(size=(batch_size, 1)) < 0.5, -1.0, 1.0).astype("float32")
    return x, t


@register_model(
    "binary_lookup_mlp",
    task="classic",
    paper="Lecture: classification over binary inputs (one hidden unit per positive example)",
    tiny={"positives": [[1, -1, 1, 1], [-1, -1, 1, -1]]},
    inputs=_binary_batch,
)
def binary_lookup_mlp(positives, name="binary_lookup_mlp"):
    """Look-up MLP over {−1, +1}^D: one template unit per positive example and an OR output.

    Args:
        positives: `(M, D)` array of the positive examples, entries in {−1, +1}.

    Returns:
        A functional model with fixed (non-trainable) weights, set analytically; it outputs +1
        on exactly the positives and −1 elsewhere. With no positives one silent hidden unit
        (zero weights, threshold 1) keeps the layer non-empty.
    """
    positives = np.asarray(positives, dtype="float32")
    if positives.ndim != 2 or not np.all(np.abs(positives) == 1):
        raise ValueError("positives must be an (M, D) array with entries in {-1, +1}")
    count, dim = positives.shape
    inputs = keras.Input(shape=(dim,), name="x")
    hidden = keras.layers.Dense(max(count, 1), trainable=False, name="templates")
    z = Sign(low=0.0, name="template_match")(hidden(inputs))
    vote = keras.layers.Dense(1, trainable=False, name="or")
    outputs = Sign(low=-1.0, name="sign")(vote(z))
    model = keras.Model(inputs, outputs, name=name)
    if count:
        # wₘ = xₘ and threshold D: zₘ = step(xₘᵀx − D).
        hidden.set_weights([positives.T, np.full((count,), -dim, "float32")])
    else:
        hidden.set_weights([np.zeros((dim, 1), "float32"), np.full((1,), -1.0, "float32")])
    # OR: y = Σₘ zₘ − 1 ≥ 0 iff some template fired.
    vote.set_weights([np.ones((max(count, 1), 1), "float32"), np.full((1,), -1.0, "float32")])
    return model
