"""Training in mixed bfloat16 and shipping in float32.

Under Keras's "mixed_bfloat16" policy the layers compute in bfloat16 (this CPU's AVX-512 BF16
instructions) and keep float32 weights; the class probabilities stay float32, since bf16's 8
significant bits would round a 0.999 score to 1 before the log of the loss. The shipped
model is rebuilt in float32 with the trained weights, so serving and inspection never see
bf16 (issue 14 measures bf16 serving separately).
"""

from contextlib import contextmanager

import keras

PRECISIONS = ("float32", "mixed_bfloat16")


@contextmanager
def precision_policy(precision):
    """Build layers under `precision` inside the block; the previous policy after it."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(precision)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def float32_outputs(model):
    """Make the layers that produce `model`'s outputs compute in float32 (in place)."""
    for output in model.outputs:
        layer = output._keras_history.operation
        layer.dtype_policy = keras.DTypePolicy("float32")
    return model


def float32_copy(model, build):
    """`build()` under float32 with `model`'s weights: the float32 twin of a mixed model."""
    if all(layer.dtype_policy.compute_dtype == "float32" for layer in model.layers):
        return model
    with precision_policy("float32"):
        twin = build()
    twin.set_weights(model.get_weights())
    return twin
