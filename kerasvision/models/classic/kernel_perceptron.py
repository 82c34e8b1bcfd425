"""The kernel (dual) perceptron (Aizerman, Braverman & Rozonoer 1964; Freund & Schapire, Large
Margin Classification Using the Perceptron Algorithm, Machine Learning 1999).

By the representer theorem the perceptron's weight vector is a combination of training
patterns, w = Σᵢ αᵢ φ(xᵢ), so f(x) = Σᵢ αᵢ k(xᵢ, x) needs only kernel evaluations. Each mistake on
(x, t) stores x with coefficient η·t — the dual image of w ← w + η t φ(x).
"""

import keras
from keras import ops

from kerasvision.layers.kernel_responses import KernelResponses
from kerasvision.layers.sign import Sign
from kerasvision.models.classic.perceptron import MistakeDrivenClassifier, _signed_batch
from kerasvision.registry import register_model


@keras.saving.register_keras_serializable(package="kerasvision")
class KernelPerceptron(MistakeDrivenClassifier):
    """sign(Σᵢ αᵢ (k(xᵢ, x) + 1)) over the patterns it has made mistakes on.

    The stored patterns live in a `capacity`-row buffer (rows not yet used have α = 0); the +1
    is the dual of the primal perceptron's constant bias input, so with the linear kernel this
    model makes exactly the primal perceptron's mistakes (with `associative_units=0`). When the
    buffer is full further mistakes are counted but not stored.

    Args:
        input_shape: shape of one input (flattened).
        kernel: "linear", "polynomial" or "rbf"; gamma, degree, coef0 its parameters.
        capacity: most mistakes stored (the number of free variables grows with the data).
        learning_rate: η.
    """

    score_layer = "dual_coefficients"

    def __init__(self, input_shape=(2,), kernel="rbf", gamma=1.0, degree=3, coef0=1.0,
                 capacity=1000, learning_rate=1.0, name="kernel_perceptron", **kwargs):
        self.input_shape_ = tuple(int(d) for d in input_shape)
        self.capacity = int(capacity)
        inputs = keras.Input(shape=self.input_shape_, name="x")
        x = keras.layers.Flatten(name="flatten")(inputs)
        k = KernelResponses(self.capacity, kernel=kernel, gamma=gamma, degree=degree,
                            coef0=coef0, offset=1.0, name="kernel_responses")(x)
        # α: trainable so that the criterion has a gradient; set by the rule in `fit`.
        score = keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros",
                                   name="dual_coefficients")(k)
        outputs = Sign(name="sign")(score)
        super().__init__(inputs, outputs, name=name, **kwargs)
        self._init_training_state(learning_rate)
        self.stored = self.add_weight(name="stored", shape=(), dtype="int32",
                                      initializer="zeros", trainable=False)

    def features(self, x):
        """k(x, ·) + 1 against the stored patterns, shape `(batch, capacity)`."""
        return self.get_layer("kernel_responses")(self.get_layer("flatten")(x))

    def _online_pass(self, x, t):
        responses = self.get_layer("kernel_responses")
        alpha_var = self.get_layer("dual_coefficients").kernel
        x = self.get_layer("flatten")(x)
        eta = self.learning_rate
        rows = ops.arange(self.capacity)

        def visit(i, state):
            points, alpha, stored, mistakes = state
            xi = x[i][None, :]
            f = ops.sum(responses.respond(xi, points)[0] * alpha)
            wrong = ops.where(f >= 0, 1.0, -1.0) != t[i]
            # A mistake stores x with α = η t (if there is room): w ← w + η t φ(x), dually.
            write = ops.logical_and(wrong, stored < self.capacity)
            here = ops.logical_and(write, rows == stored)
            points = ops.where(here[:, None], xi, points)
            alpha = ops.where(here, eta * t[i], alpha)
            return (points, alpha, stored + ops.cast(write, "int32"),
                    mistakes + ops.cast(wrong, "float32"))

        state = (ops.convert_to_tensor(responses.points), ops.reshape(alpha_var, (-1,)),
                 ops.convert_to_tensor(self.stored), ops.zeros((), "float32"))
        points, alpha, stored, mistakes = ops.fori_loop(0, ops.shape(x)[0], visit, state)
        responses.points.assign(points)
        alpha_var.assign(ops.reshape(alpha, alpha_var.shape))
        self.stored.assign(stored)
        self.update_count.assign_add(ops.cast(mistakes, "int64"))
        return mistakes

    def get_config(self):
        k = self.get_layer("kernel_responses")
        return {"name": self.name, "trainable": self.trainable,
                "input_shape": self.input_shape_, "kernel": k.kernel, "gamma": k.gamma,
                "degree": k.degree, "coef0": k.coef0, "capacity": self.capacity,
                "learning_rate": self.learning_rate}


@register_model(
    "kernel_perceptron",
    task="classic",
    paper="Aizerman, Braverman & Rozonoer 1964; Freund & Schapire, Machine Learning 1999",
    tiny={"input_shape": (3,), "capacity": 8},
    inputs=_signed_batch,
)
def kernel_perceptron(input_shape=(2,), kernel="rbf", gamma=1.0, degree=3, coef0=1.0,
                      capacity=1000, learning_rate=1.0, name="kernel_perceptron"):
    """Dual-form perceptron f(x) = Σᵢ αᵢ k(xᵢ, x) with linear, polynomial or RBF kernels."""
    return KernelPerceptron(input_shape=input_shape, kernel=kernel, gamma=gamma, degree=degree,
                            coef0=coef0, capacity=capacity, learning_rate=learning_rate,
                            name=name)
