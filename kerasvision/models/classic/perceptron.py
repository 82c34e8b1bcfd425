"""Rosenblatt's perceptron (Rosenblatt, The Perceptron: a probabilistic model for information
storage and organization in the brain, Psychological Review 1958; convergence: Novikoff, On
convergence proofs on perceptrons, 1962).

A fixed, random layer of associative units φᵢ(x) = sign(vᵢᵀx) over a 20×20 "retina", then one
trainable linear threshold unit sign(wᵀφ(x)). The weights are learned by the perceptron rule
w ← w + η t φ(x) on misclassified patterns only — not by back-propagation, which the sign
activation prevents.
"""

import warnings

import numpy as np

import keras
from keras import ops

from kerasvision.layers.sign import Sign
from kerasvision.models.classic.perceptron_criterion import PerceptronCriterion
from kerasvision.registry import register_model


class PerceptronConvergenceWarning(UserWarning):
    """`fit` used its whole epoch budget without an error-free pass over the data."""


class _StopWhenSeparated(keras.callbacks.Callback):
    """Stops `fit` after the first epoch without a mistake: the rule has converged."""

    def __init__(self):
        super().__init__()
        self.converged = False

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and float(logs.get("errors", 1)) == 0:
            self.converged = True
            self.model.stop_training = True


def _targets(y, dtype):
    # t ∈ {−1, +1}; labels in {0, 1} are accepted too (anything > 0 is the positive class).
    return ops.where(ops.reshape(ops.cast(y, dtype), (-1,)) > 0, 1.0, -1.0)


class MistakeDrivenClassifier(keras.Model):
    """A functional model trained online by a mistake-driven rule (primal or dual perceptron).

    Subclasses build the graph (`score_layer` names the layer whose output is the score f(x))
    and define `features(x)` (the linear unit's input φ(x)) and `_online_pass(x, t)` (apply the
    rule pattern by pattern, update the weights, return the number of mistakes). This class provides what they share: `fit` runs
    passes over the data until one makes no mistake or the epoch budget is spent (then it warns),
    the `updates` counter, the `errors` metric, and `compute_loss`, which applies the compiled
    loss (by default the perceptron criterion) to the score, since the sign has no gradient.
    """

    score_layer = "linear_unit"

    def _init_training_state(self, learning_rate):
        self.learning_rate = float(learning_rate)
        self.update_count = self.add_weight(name="update_count", shape=(), dtype="int64",
                                            initializer="zeros", trainable=False)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.errors_tracker = keras.metrics.Sum(name="errors")
        # The rule needs no optimizer or loss to be given: compile once with the defaults.
        self.compile()

    @property
    def updates(self):
        """Number of weight updates made by the learning rule since construction."""
        return int(ops.convert_to_numpy(self.update_count))

    @property
    def metrics(self):
        return [self.loss_tracker, self.errors_tracker]

    def score(self, x):
        """f(x) = wᵀφ(x), the linear unit's output before the sign, shape `(batch, 1)`."""
        return self.get_layer(self.score_layer)(self.features(x))

    def compile(self, optimizer="sgd", loss=None, **kwargs):
        """Compile; the default loss is the perceptron criterion (the optimizer is unused by fit)."""
        super().compile(optimizer=optimizer, loss=PerceptronCriterion() if loss is None else loss,
                        **kwargs)

    def compile_from_config(self, config):
        # Restores a saved model's compile arguments through the overridden `compile`.
        self.compile(**keras.saving.deserialize_keras_object(config))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        # The criterion is a function of the score f(x), not of sign(f(x)).
        return super().compute_loss(x=x, y=y, y_pred=self.score(x), sample_weight=sample_weight,
                                    training=training)

    def train_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        loss = self.compute_loss(x=x, y=y, training=True)
        errors = self._online_pass(x, _targets(y, "float32"))
        self.loss_tracker.update_state(loss)
        self.errors_tracker.update_state(errors)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        t = _targets(y, "float32")
        pred = ops.reshape(self(x, training=False), (-1,))
        self.loss_tracker.update_state(self.compute_loss(x=x, y=y, training=False))
        self.errors_tracker.update_state(ops.sum(ops.cast(pred != t, "float32")))
        return {m.name: m.result() for m in self.metrics}

    def fit(self, x=None, y=None, batch_size=None, epochs=100, callbacks=None, **kwargs):
        """Passes over the data until one is error-free, at most `epochs` (the budget).

        The rule is applied pattern by pattern in data order within each batch, so the batch
        size does not change the result. Warns `PerceptronConvergenceWarning` when the budget
        runs out first — on data that is not linearly separable (in φ-space) it always will.
        """
        stopper = _StopWhenSeparated()
        history = super().fit(x, y, batch_size=batch_size, epochs=epochs,
                              callbacks=[*(callbacks or []), stopper], **kwargs)
        if not stopper.converged:
            errors = history.history.get("errors", [float("nan")])[-1]
            warnings.warn(
                f"{self.name}: no error-free pass over the training data within {epochs} "
                f"epochs ({errors:g} mistakes in the last); the data may not be linearly "
                "separable, and then the perceptron rule does not converge",
                PerceptronConvergenceWarning, stacklevel=2)
        return history


@keras.saving.register_keras_serializable(package="kerasvision")
class Perceptron(MistakeDrivenClassifier):
    """Rosenblatt's perceptron: sign(wᵀφ(x)) with fixed random associative units φ.

    Args:
        input_shape: shape of one input; it is flattened (the 20×20 retina by default).
        associative_units: number of fixed random units φᵢ(x) = sign(vᵢᵀx); 0 means φ(x) = x.
            Either way φ gets a constant input 1 whose weight is the bias.
        learning_rate: η of the learning rule.
        kernel_initializer: initial w (zeros: the start of the convergence theorem).
        seed: seed of the random wiring V.
    """

    def __init__(self, input_shape=(20, 20), associative_units=512, learning_rate=1.0,
                 kernel_initializer="zeros", seed=None, name="perceptron", **kwargs):
        self.input_shape_ = tuple(int(d) for d in input_shape)
        self.associative_units = int(associative_units)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.seed = seed
        inputs = keras.Input(shape=self.input_shape_, name="retina")
        x = keras.layers.Flatten(name="flatten")(inputs)
        if self.associative_units > 0:
            # Random wiring of associative units, fixed (Rosenblatt's Mark I plugboard).
            x = keras.layers.Dense(
                self.associative_units, use_bias=False, trainable=False,
                kernel_initializer=keras.initializers.RandomNormal(stddev=1.0, seed=seed),
                name="associative_wiring")(x)
            x = Sign(name="associative_units")(x)
        # The bias is the weight of a constant input 1 (φ(x) = [φ₀(x), 1]); the rule updates it
        # like any other weight.
        score = keras.layers.Dense(1, kernel_initializer=self.kernel_initializer,
                                   bias_initializer=self.kernel_initializer,
                                   name="linear_unit")(x)
        outputs = Sign(name="sign")(score)
        super().__init__(inputs, outputs, name=name, **kwargs)
        self._init_training_state(learning_rate)

    def features(self, x):
        """φ(x) without the constant bias input, shape `(batch, units)`."""
        x = self.get_layer("flatten")(x)
        if self.associative_units > 0:
            x = self.get_layer("associative_units")(self.get_layer("associative_wiring")(x))
        return x

    def _online_pass(self, x, t):
        unit = self.get_layer("linear_unit")
        phi = ops.concatenate([self.features(x), ops.ones_like(t)[:, None]], axis=-1)
        w0 = ops.concatenate([ops.reshape(unit.kernel, (-1,)), ops.reshape(unit.bias, (-1,))], 0)
        eta = self.learning_rate

        def visit(i, state):
            w, mistakes = state
            f = ops.sum(w * phi[i])
            # Misclassified when sign(f) ≠ t, with sign(0) = +1: w ← w + η t φ(x).
            wrong = ops.cast(ops.where(f >= 0, 1.0, -1.0) != t[i], w.dtype)
            return w + wrong * eta * t[i] * phi[i], mistakes + wrong

        w, mistakes = ops.fori_loop(0, ops.shape(phi)[0], visit, (w0, ops.zeros((), w0.dtype)))
        unit.kernel.assign(ops.reshape(w[:-1], unit.kernel.shape))
        unit.bias.assign(w[-1:])
        self.update_count.assign_add(ops.cast(mistakes, "int64"))
        return mistakes

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "input_shape": self.input_shape_,
                "associative_units": self.associative_units,
                "learning_rate": self.learning_rate,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "seed": self.seed}


def _signed_batch(model, batch_size, rng):
    """Random inputs and targets t ∈ {−1, +1} for the standard contract."""
    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    x = rng.uniform(-1.0, 1.0, size=(batch_size, *shape)).astype("float32")
    t = np.where(rng.uniform(size=(batch_size, 1)) < 0.5, -1.0, 1.0).astype("float32")
    return x, t


@register_model(
    "perceptron",
    task="classic",
    paper="Rosenblatt, The Perceptron, Psychological Review 1958; Novikoff 1962",
    tiny={"input_shape": (6,), "associative_units": 8, "seed": 0},
    inputs=_signed_batch,
)
def perceptron(input_shape=(20, 20), associative_units=512, learning_rate=1.0,
               kernel_initializer="zeros", seed=None, name="perceptron"):
    """Rosenblatt's perceptron: fixed random associative units, one sign unit, perceptron rule."""
    return Perceptron(input_shape=input_shape, associative_units=associative_units,
                      learning_rate=learning_rate, kernel_initializer=kernel_initializer,
                      seed=seed, name=name)
