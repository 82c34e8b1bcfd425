"""Anytime prediction and budgeted early exits with a multi-exit classifier such as MSDNet
(Huang et al., Multi-Scale Dense Networks for Resource Efficient Image Classification, ICLR
2018, §3): a prediction can be read at any exit, and under a budget each example leaves at the
first exit whose top class probability exceeds a threshold (§5.2 "budgeted batch
classification"; the threshold sets the average cost), the last exit taking what remains.

The exits are the outputs of layers named `exit_1` ... `exit_K`. Their per-exit costs are
measured by `kerasvision.inspect.exit_multiply_accumulates` (inspection reads models; models
do not import it).
"""

import dataclasses
import re

import numpy as np

from kerasvision.models.contracts.output_activation import ends_in_softmax

_EXIT = re.compile(r"exit_(\d+)")


def exit_names(model):
    """The exit layers' names, `exit_1` ... `exit_K`, in order; K >= 1 or ValueError."""
    found = sorted((int(m.group(1)), layer.name) for layer in model.layers
                   if (m := _EXIT.fullmatch(layer.name)))
    if not found or [k for k, _ in found] != list(range(1, len(found) + 1)):
        raise ValueError(f"{model.name!r} has no exits exit_1 ... exit_K")
    return [name for _, name in found]


def exit_model(model, exit):
    """The part of `model` that computes exit `exit` (from 1) and nothing after it."""
    import keras

    names = exit_names(model)
    if not 1 <= exit <= len(names):
        raise ValueError(f"exit must be in 1..{len(names)}, got {exit}")
    return keras.Model(model.inputs, model.get_layer(names[exit - 1]).output,
                       name=f"{model.name}_exit_{exit}")


def _probabilities(part, x, batch_size):
    # Inference-mode calls batch by batch: `predict` would trace a function per sub-model
    # and per number of examples still in.
    scores = np.concatenate([np.asarray(part(x[i:i + batch_size], training=False))
                             for i in range(0, len(x), batch_size)]).astype("float64")
    if ends_in_softmax(part.outputs[0]):
        return scores
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return scores / scores.sum(axis=-1, keepdims=True)


def predict_exit(model, x, exit, batch_size=32):
    """Class probabilities `(N, classes)` of exit `exit` (from 1), computing no later layer
    (a softmax is applied where the exit gives logits)."""
    return _probabilities(exit_model(model, exit), x, batch_size)


def first_confident_exit(exit_probabilities, threshold):
    """Per example, the first exit (from 1) whose top probability is above `threshold`, the
    last exit where none is.

    Args:
        exit_probabilities: K arrays `(N, classes)`, one per exit, in exit order.
        threshold: the confidence an example must exceed to leave early.

    Returns:
        `(exits, probabilities)`: `(N,)` exit indices and `(N, classes)` the chosen exits'
        probabilities.
    """
    stacked = np.stack([np.asarray(p) for p in exit_probabilities])  # (K, N, classes)
    confident = stacked.max(axis=-1) > threshold  # (K, N)
    confident[-1] = True
    chosen = np.argmax(confident, axis=0)  # the first True
    return chosen + 1, stacked[chosen, np.arange(stacked.shape[1])]


@dataclasses.dataclass(frozen=True)
class EarlyExitPrediction:
    """What `early_exit_predict` returns.

    Attributes:
        probabilities: `(N, classes)`, from each example's exit.
        classes: `(N,)` the predicted class indices.
        exits: `(N,)` the exit (from 1) each example left at.
    """

    probabilities: np.ndarray
    classes: np.ndarray
    exits: np.ndarray


def early_exit_predict(model, x, threshold, batch_size=32):
    """Budgeted early exit: each example leaves at the first exit whose top probability is
    above `threshold` (the last exit takes the rest).

    Exits are evaluated in order on the examples still in; exit k runs its own sub-model
    (`exit_model`), so an example that leaves at exit k never reaches a later block. (The
    sub-models recompute the shared trunk of the examples still in; a staged execution
    that keeps it would save that too.)
    """
    x = np.asarray(x)
    names = exit_names(model)
    remaining = np.arange(len(x))
    probabilities, exits = None, np.zeros(len(x), dtype="int64")
    for k in range(1, len(names) + 1):
        if not remaining.size:
            break
        p = _probabilities(exit_model(model, k), x[remaining], batch_size)
        if probabilities is None:
            probabilities = np.zeros((len(x), p.shape[-1]))
        leaving = p.max(axis=-1) > threshold if k < len(names) else np.ones(len(p), bool)
        probabilities[remaining[leaving]] = p[leaving]
        exits[remaining[leaving]] = k
        remaining = remaining[~leaving]
    return EarlyExitPrediction(probabilities, probabilities.argmax(axis=-1), exits)
