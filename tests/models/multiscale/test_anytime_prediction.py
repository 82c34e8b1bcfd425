"""Anytime prediction with MSDNet's exits: a prediction per exit, early exit at the first
confident exit, and the cost of reaching each exit (kerasvision.inspect)."""

import numpy as np
import pytest

import keras

from kerasvision.inspect.exit_multiply_accumulates import output_multiply_accumulates
from kerasvision.inspect.layer_summary import layer_table
from kerasvision.models import build_tiny
from kerasvision.models.multiscale import (early_exit_predict, first_confident_exit,
                                           predict_exit)
from kerasvision.models.multiscale.anytime_prediction import exit_model


@pytest.fixture(scope="module")
def tiny():
    keras.utils.set_random_seed(0)
    return build_tiny("msdnet")  # 3 exits


X = np.random.default_rng(0).uniform(size=(6, 32, 32, 3)).astype("float32")


def test_predict_exit_is_the_kth_output_and_computes_nothing_after_it(tiny):
    outputs = [np.asarray(o) for o in tiny(X, training=False)]
    for k in (1, 2, 3):
        np.testing.assert_allclose(predict_exit(tiny, X, exit=k), outputs[k - 1], rtol=1e-5,
                                   atol=1e-6)
    first = exit_model(tiny, 1)
    assert "layer3_s3_out" not in {layer.name for layer in first.layers}
    assert first.count_params() < exit_model(tiny, 2).count_params() < tiny.count_params()
    with pytest.raises(ValueError, match="1..3"):
        predict_exit(tiny, X, exit=4)


def test_first_confident_exit_on_constructed_outputs():
    exits = [np.array([[0.9, 0.1], [0.6, 0.4], [0.5, 0.5], [0.2, 0.8]]),
             np.array([[0.1, 0.9], [0.7, 0.3], [0.95, 0.05], [0.45, 0.55]]),
             np.array([[0.3, 0.7], [0.4, 0.6], [0.6, 0.4], [0.5, 0.5]])]
    chosen, probabilities = first_confident_exit(exits, threshold=0.75)
    # 0.9 > .75 at exit 1; 0.6, 0.7 never: the last; 0.95 at exit 2; 0.8 at exit 1.
    np.testing.assert_array_equal(chosen, [1, 3, 2, 1])
    np.testing.assert_array_equal(probabilities, [[0.9, 0.1], [0.4, 0.6], [0.95, 0.05],
                                                  [0.2, 0.8]])
    # "Above" the threshold: a score equal to it does not leave.
    np.testing.assert_array_equal(first_confident_exit(exits, 0.9)[0], [3, 3, 2, 3])


def test_early_exit_predict_agrees_with_the_rule_on_the_model(tiny):
    outputs = [np.asarray(o) for o in tiny(X, training=False)]
    top = np.stack([o.max(-1) for o in outputs])  # (3, 6)
    everyone_at_first = early_exit_predict(tiny, X, threshold=0.0)
    np.testing.assert_array_equal(everyone_at_first.exits, [1] * 6)
    assert np.all(early_exit_predict(tiny, X, threshold=1.0).exits == 3)
    threshold = float(np.median(top[0]))  # half leave at exit 1, the others later
    result = early_exit_predict(tiny, X, threshold=threshold)
    want_exits, want_probabilities = first_confident_exit(outputs, threshold)
    np.testing.assert_array_equal(result.exits, want_exits)
    assert np.sum(result.exits == 1) == 3 and len(set(result.exits)) > 1
    np.testing.assert_allclose(result.probabilities, want_probabilities, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(result.classes, want_probabilities.argmax(-1))


def test_exit_costs_grow_with_the_exit_and_the_last_is_the_whole_model(tiny):
    alone = output_multiply_accumulates(tiny, include_earlier_exits=False)
    cumulative = output_multiply_accumulates(tiny)
    assert all(a < b for a, b in zip(cumulative, cumulative[1:]))
    assert all(a < b for a, b in zip(alone, alone[1:]))
    assert alone[0] == cumulative[0] and all(a <= c for a, c in zip(alone, cumulative))
    assert cumulative[-1] == sum(row["macs"] for row in layer_table(tiny))
    # Exit 1 alone is the whole exit-1 sub-model.
    assert alone[0] == sum(row["macs"] for row in layer_table(exit_model(tiny, 1)))
