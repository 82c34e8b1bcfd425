"""The contract of classification models and of the classic (pre-convolutional) models.

Examples are uniform images in [0, 1] (unknown dimensions set to 32) with, per output, integer
class labels (classification) or targets uniform in [-1, 1] (classic models, whose outputs are
signs or real values); a registration whose model needs other inputs (signed or binary vectors,
labels in {-1, +1}) gives them with `inputs=`. The forward is the outputs of
`call(training=False)`: per output a float32 `(B, ...)` batch of the symbolic output's shape.
"""

import numpy as np

from kerasvision.models.contracts.model_contract import ModelContract, as_arrays, concrete_shape
from kerasvision.models.contracts.output_activation import sparse_cross_entropy


class ClassificationContract(ModelContract):
    """Classification (sparse cross-entropy on class labels) and classic models (MSE)."""

    def example_inputs(self, model, batch_size, rng):
        shape = concrete_shape(model.inputs[0].shape[1:])
        return rng.uniform(0.0, 1.0, size=(batch_size, *shape)).astype("float32")

    def example_targets(self, model, batch_size, rng):
        def for_output(output):
            shape = concrete_shape(output.shape[1:])
            if self.spec.task == "classification":
                return rng.integers(0, shape[-1], size=(batch_size, *shape[:-1])).astype("int32")
            return rng.uniform(-1, 1, size=(batch_size, *shape)).astype("float32")

        targets = [for_output(o) for o in model.outputs]
        return targets[0] if len(targets) == 1 else targets

    def compile(self, model):
        """Sparse cross-entropy per output (classification) or MSE (classic), with SGD."""
        import keras

        if model.compiled:
            return
        if self.spec.task == "classification":
            losses = [sparse_cross_entropy(o) for o in model.outputs]
        else:
            losses = ["mse" for _ in model.outputs]
        model.compile(optimizer=keras.optimizers.SGD(0.01),
                      loss=losses[0] if len(losses) == 1 else losses)

    def check_prediction(self, model, x, outputs):
        """Each output: batch of `len(x)`, the symbolic output's shape, float32, finite."""
        batch_size = len(x[0] if isinstance(x, (list, tuple)) else x)
        arrays = as_arrays(outputs)
        assert len(arrays) == len(model.outputs), f"{len(arrays)} outputs, model declares " \
                                                  f"{len(model.outputs)}"
        for out, symbolic in zip(arrays, model.outputs):
            assert out.shape[0] == batch_size
            want = tuple(out.shape[i + 1] if d is None else d
                         for i, d in enumerate(symbolic.shape[1:]))
            assert out.shape[1:] == want, f"output shape {out.shape[1:]}, declared {want}"
            assert out.dtype == np.float32, f"output dtype {out.dtype}"
            assert np.all(np.isfinite(out)), "non-finite output"
