"""What the standard contract feeds each registered model: example inputs, targets and a loss.

Defaults cover a single-image-input model per task; a registration overrides them with
`inputs=` (a callable `(model, batch_size, rng) -> (x, y)`) when its model needs something else,
and a model that compiles itself in its builder keeps its own loss.
"""

import numpy as np


def _concrete(shape, fill=32):
    return tuple(fill if d is None else int(d) for d in shape)


def example_batch(spec, model, batch_size, rng):
    """`(x, y)` for one training batch of the registered model."""
    if spec.inputs is not None:
        return spec.inputs(model, batch_size, rng)
    shape = _concrete(model.inputs[0].shape[1:])
    x = rng.uniform(0.0, 1.0, size=(batch_size, *shape)).astype("float32")
    return x, example_targets(spec, model, batch_size, rng)


def example_targets(spec, model, batch_size, rng):
    def for_output(out):
        shape = _concrete(out.shape[1:])
        if spec.task in ("classification", "segmentation"):
            return rng.integers(0, shape[-1], size=(batch_size, *shape[:-1])).astype("int32")
        return rng.uniform(-1, 1, size=(batch_size, *shape)).astype("float32")

    ys = [for_output(o) for o in model.outputs]
    return ys[0] if len(ys) == 1 else ys


def _ends_in_softmax(model, output):
    layer = output._keras_history[0]
    act = getattr(layer, "activation", None)
    return getattr(act, "__name__", "") == "softmax"


def compile_for_contract(spec, model):
    """Compile with the task's natural loss unless the builder already compiled the model."""
    import keras

    if model.compiled:
        return
    if spec.task in ("classification", "segmentation"):
        losses = [keras.losses.SparseCategoricalCrossentropy(
            from_logits=not _ends_in_softmax(model, o)) for o in model.outputs]
    else:
        losses = ["mse" for _ in model.outputs]
    model.compile(optimizer=keras.optimizers.SGD(0.01),
                  loss=losses[0] if len(losses) == 1 else losses)
