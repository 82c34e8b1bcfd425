"""What every model contract shares: example batches (with the registration's `inputs`
override), an inference-mode forward, and outputs flattened to arrays for comparisons."""

import abc

import numpy as np


def concrete_shape(shape, fill=32):
    """`shape` with every unknown (None) dimension set to `fill`."""
    return tuple(fill if d is None else int(d) for d in shape)


def as_arrays(outputs):
    """Outputs as a list of numpy arrays in a fixed order (a dict's values by sorted key), so
    that two forwards, or a forward and a SavedModel's `serve`, compare element by element."""
    if isinstance(outputs, dict):
        return [np.asarray(outputs[k]) for k in sorted(outputs)]
    if isinstance(outputs, (list, tuple)):
        return [np.asarray(v) for v in outputs]
    return [np.asarray(outputs)]


class ModelContract(abc.ABC):
    """The contract of one registered keras.Model; subclasses say what their task means.

    A subclass provides `example_inputs`, `example_targets`, `compile` and `check_prediction`;
    `example_batch` and `forward` are shared.

    Args:
        spec: the model's `kerasvision.registry.ModelSpec`.
    """

    def __init__(self, spec):
        self.spec = spec

    def example_batch(self, model, batch_size, rng):
        """`(x, y)` for one training batch: the registration's `inputs` callable when it has
        one (models whose inputs are not the task's usual ones), else the task's examples.

        Args:
            model: the built model.
            batch_size: number of examples.
            rng: a `numpy.random.Generator`, so that batches are repeatable.
        """
        if self.spec.inputs is not None:
            return self.spec.inputs(model, batch_size, rng)
        x = self.example_inputs(model, batch_size, rng)
        return x, self.example_targets(model, batch_size, rng)

    def forward(self, model, x):
        """The model's inference-mode prediction for `x`, as the task defines it.

        An eager call rather than `predict()`: tracing predict's tf.function for every model
        would double the contract's time, and `call(training=False)` is what `predict` and
        the SavedModel export run.
        """
        return model(x, training=False)

    @abc.abstractmethod
    def example_inputs(self, model, batch_size, rng):
        """A batch of inputs the model accepts."""

    @abc.abstractmethod
    def example_targets(self, model, batch_size, rng):
        """Targets in the task's training format for `batch_size` examples."""

    @abc.abstractmethod
    def compile(self, model):
        """Compile with the task's natural loss, unless the builder already compiled it."""

    @abc.abstractmethod
    def check_prediction(self, model, x, outputs):
        """Assert that `outputs` (from `forward(model, x)`) has the task's output format."""
