import numpy as np

from kerasvision.layers.drop_connect import DropConnectDense


def test_inference_is_the_mean_network():
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    layer = DropConnectDense(4, rate=0.5, seed=1)
    layer.build((None, 6))
    w, b = layer.get_weights()
    np.testing.assert_allclose(np.asarray(layer(x, training=False)), x @ w + b, rtol=1e-5,
                               atol=1e-6)


def test_training_drops_connections_not_units():
    dim, units, rate = 40, 30, 0.25
    layer = DropConnectDense(units, rate=rate, seed=3, bias_initializer="ones")
    layer.build((None, dim))
    w, b = layer.get_weights()
    # Identity rows read the masked kernel out: row i is (M ⋆ W)[i] / (1 − rate) + b.
    out = np.asarray(layer(np.eye(dim, dtype="float32"), training=True)) - b
    kept = np.isclose(out, w / (1 - rate), rtol=1e-5, atol=1e-6)
    dropped = out == 0
    assert np.all(kept | dropped)
    assert abs(dropped.mean() - rate) < 0.05
    # Connections, not units: no output column is dropped whole.
    assert not np.any(dropped.all(axis=0))
    assert DropConnectDense.from_config(layer.get_config()).rate == rate
