import numpy as np

import keras

from kerasvision.layers.edge_gate import EdgeGate


def test_scales_by_its_scalar_and_zero_closes_the_edge():
    x = np.random.default_rng(0).normal(size=(2, 3, 3, 4)).astype("float32")
    gate = EdgeGate(initial_value=1.0)
    np.testing.assert_allclose(np.asarray(gate(x)), x)
    assert [w.shape for w in gate.weights] == [()]
    gate.gate.assign(-0.25)
    np.testing.assert_allclose(np.asarray(gate(x)), -0.25 * x, rtol=1e-6)
    gate.gate.assign(0.0)
    assert np.all(np.asarray(gate(x)) == 0)


def test_l1_regularizer_gives_the_weighted_penalty_and_config_round_trips():
    gate = EdgeGate(initial_value=-0.5, gate_regularizer=keras.regularizers.L1(0.2))
    gate.build((None, 2))
    assert np.isclose(float(np.asarray(gate.losses[0])), 0.2 * 0.5)
    clone = EdgeGate.from_config(gate.get_config())
    clone.build((None, 2))
    assert clone.initial_value == -0.5
    assert np.isclose(float(np.asarray(clone.losses[0])), 0.1)
