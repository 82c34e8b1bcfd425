"""A learned scalar on one edge of a network graph, so that training (or a cost penalty on it)
can weaken or switch off that connection: the edge gates of convolutional neural fabrics
(Saxena & Verbeek, Convolutional Neural Fabrics, NIPS 2016) read as a super network whose
edges are chosen by learning (Veniat & Denoyer, Learning Time/Memory-Efficient Deep
Architectures with Budgeted Super Networks, CVPR 2018)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class EdgeGate(keras.layers.Layer):
    """`y = g · x` with one trainable scalar `g` (the weight named "gate").

    At `g = 0` the edge carries nothing, so the graph computes what the graph without the
    edge computes; pruning a weak edge therefore changes the function by `g · x` only.

    Args:
        initial_value: the gate's initial value (1.0: every edge fully open).
        gate_regularizer: a regularizer of the scalar, e.g. `keras.regularizers.L1(c)` for a
            penalty proportional to the edge's cost `c`.
        **kwargs: keras.layers.Layer arguments (`name`, `dtype`, ...).
    """

    def __init__(self, initial_value=1.0, gate_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.initial_value = float(initial_value)
        self.gate_regularizer = keras.regularizers.get(gate_regularizer)

    def build(self, input_shape):
        self.gate = self.add_weight(
            name="gate", shape=(), trainable=True,
            initializer=keras.initializers.Constant(self.initial_value),
            regularizer=self.gate_regularizer)

    def call(self, x):
        return x * ops.cast(self.gate, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "initial_value": self.initial_value,
                "gate_regularizer": keras.regularizers.serialize(self.gate_regularizer)
                if self.gate_regularizer is not None else None}
