"""TrainableSubsampling against a numpy loop."""

import numpy as np

from kerasvision.layers import TrainableSubsampling


def test_matches_numpy_loop():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 4, 3)).astype("float32")
    layer = TrainableSubsampling(2)
    layer.build(x.shape)
    coef = rng.normal(size=3).astype("float32")
    bias = rng.normal(size=3).astype("float32")
    layer.set_weights([coef, bias])
    got = np.asarray(layer(x))
    want = np.zeros((2, 3, 2, 3), "float32")
    for n in range(2):
        for i in range(3):
            for j in range(2):
                for c in range(3):
                    want[n, i, j, c] = coef[c] * x[n, 2 * i:2 * i + 2, 2 * j:2 * j + 2, c].mean() \
                        + bias[c]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_two_parameters_per_map_and_shape():
    # LeNet-5: S2 has 12 parameters (6 maps), S4 32 (16 maps).
    for maps, params in ((6, 12), (16, 32)):
        layer = TrainableSubsampling()
        layer.build((None, 10, 10, maps))
        assert layer.count_params() == params
    assert TrainableSubsampling(2).compute_output_shape((None, 28, 27, 6)) == (None, 14, 13, 6)
    assert TrainableSubsampling(3).compute_output_shape((None, None, 9, 6)) == (None, None, 3, 6)
    assert TrainableSubsampling.from_config(TrainableSubsampling(3).get_config()).pool_size == 3
