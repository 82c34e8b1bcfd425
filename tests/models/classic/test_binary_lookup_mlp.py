import itertools

import numpy as np
import pytest

from kerasvision.models import build


def all_inputs(dim):
    return np.array(list(itertools.product((-1.0, 1.0), repeat=dim)), "float32")


@pytest.mark.parametrize("dim", range(1, 11))
def test_separates_random_labellings_exhaustively(dim):
    x = all_inputs(dim)
    rng = np.random.default_rng(dim)
    for density in (0.1, 0.5):
        labels = rng.uniform(size=len(x)) < density
        model = build("binary_lookup_mlp", positives=x[labels])
        out = model.predict(x, verbose=0, batch_size=1024)[:, 0]
        np.testing.assert_array_equal(out, np.where(labels, 1.0, -1.0))


def test_no_positives_means_negative_everywhere():
    x = all_inputs(4)
    model = build("binary_lookup_mlp", positives=np.zeros((0, 4)))
    np.testing.assert_array_equal(model.predict(x, verbose=0), -1.0)


def test_hidden_layer_grows_with_the_number_of_positives():
    x = all_inputs(6)
    sizes = [build("binary_lookup_mlp", positives=x[:m]).get_layer("templates").units
             for m in (1, 8, 32, 64)]
    assert sizes == [1, 8, 32, 64]  # one template unit per positive: up to 2^D


def test_weights_are_set_analytically_and_fixed():
    positives = np.array([[1, -1, 1], [-1, -1, -1]], "float32")
    model = build("binary_lookup_mlp", positives=positives)
    w, b = model.get_layer("templates").get_weights()
    np.testing.assert_array_equal(w, positives.T)  # wₘ = xₘ
    np.testing.assert_array_equal(b, [-3.0, -3.0])  # threshold D
    assert model.trainable_weights == []
    with pytest.raises(ValueError):
        build("binary_lookup_mlp", positives=[[0.5, 1.0]])
