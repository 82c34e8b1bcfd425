import numpy as np
import pytest

from kerasvision.layers.kernel_responses import KernelResponses, pairwise_kernel


def _numpy_kernel(x, y, kernel, gamma, degree, coef0):
    out = np.empty((len(x), len(y)))
    for i, a in enumerate(x):
        for j, b in enumerate(y):
            if kernel == "linear":
                out[i, j] = a @ b
            elif kernel == "polynomial":
                out[i, j] = (gamma * a @ b + coef0) ** degree
            else:
                out[i, j] = np.exp(-gamma * np.sum((a - b) ** 2))
    return out


@pytest.mark.parametrize("kernel", ["linear", "polynomial", "rbf"])
def test_pairwise_kernel_matches_numpy(kernel):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(5, 3)).astype("float32")
    got = np.asarray(pairwise_kernel(x, y, kernel, gamma=0.5, degree=2, coef0=1.0))
    np.testing.assert_allclose(got, _numpy_kernel(x, y, kernel, 0.5, 2, 1.0), rtol=1e-4,
                               atol=1e-5)


def test_layer_adds_offset_and_round_trips():
    rng = np.random.default_rng(1)
    points = rng.normal(size=(6, 2)).astype("float32")
    x = rng.normal(size=(3, 2)).astype("float32")
    layer = KernelResponses(6, kernel="rbf", gamma=2.0, offset=1.0)
    layer.build((None, 2))
    layer.set_weights([points])
    np.testing.assert_allclose(np.asarray(layer(x)),
                               _numpy_kernel(x, points, "rbf", 2.0, 3, 1.0) + 1.0, rtol=1e-5)
    assert layer.trainable_weights == []
    clone = KernelResponses.from_config(layer.get_config())
    assert (clone.kernel, clone.gamma, clone.offset) == ("rbf", 2.0, 1.0)
    with pytest.raises(ValueError):
        KernelResponses(3, kernel="sigmoid")
