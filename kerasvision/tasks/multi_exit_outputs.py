"""Choosing one exit of a multi-exit classifier's outputs, for the ImageClassifier and its
export.

A multi-exit (anytime) classifier such as MSDNet (Huang et al., Multi-Scale Dense Networks for
Resource Efficient Image Classification, ICLR 2018, §3) has one class-probability output per
exit, in exit order (docs/multiscale.md). The application answers from one of them: exit `k`
counted from 1, the last (the most accurate) by default. Keras gives such a model's outputs as
a list (`predict`) or a list of tensors (a call); a single-output model's outputs are one
array, its only exit.
"""


def is_multi_exit(outputs):
    """Whether `outputs` are a model's per-exit outputs (a list, or a plain tuple; a named
    tuple such as the classifier's `ScoredOutputs` is one answer, not exits)."""
    return isinstance(outputs, list) or type(outputs) is tuple


def exit_outputs(outputs, exit=None):
    """The outputs of exit `exit` (from 1; None: the last) of a model's outputs.

    Raises:
        ValueError: for an exit the model does not have.
    """
    exits = list(outputs) if is_multi_exit(outputs) else [outputs]
    if exit is None:
        return exits[-1]
    if not 1 <= int(exit) <= len(exits):
        raise ValueError(f"exit must be in 1..{len(exits)} for this model, got {exit}")
    return exits[int(exit) - 1]


def exit_score_outputs(outputs):
    """The export's per-exit outputs `{"scores_exit_1": [N, C], ...}` of a multi-exit model's
    outputs; none for a single-output model (its `scores` say it all)."""
    if not is_multi_exit(outputs):
        return {}
    return {f"scores_exit_{k}": scores for k, scores in enumerate(outputs, start=1)}
