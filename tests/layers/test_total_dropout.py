"""TotalDropout: a whole tensor is kept (scaled by 1/(1-p)) or dropped, one draw per call; the
identity at inference. Statistics over many calls, with a 4-sigma binomial band."""

import numpy as np
import pytest

import tensorflow as tf

from kerasvision.layers.total_dropout import TotalDropout

X = np.random.default_rng(0).normal(size=(4, 5, 5, 3)).astype("float32") + 3.0


def _kept_or_dropped(out, rate):
    """1 if the whole batch was kept (and scaled), 0 if it was dropped whole."""
    if np.all(out == 0):
        return 0
    np.testing.assert_allclose(out, X / (1 - rate), rtol=1e-6)
    return 1


def test_identity_at_inference():
    layer = TotalDropout(0.5, seed=0)
    np.testing.assert_array_equal(np.asarray(layer(X, training=False)), X)
    np.testing.assert_array_equal(np.asarray(layer(X)), X)


@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_drops_whole_batches_with_probability_rate(rate):
    layer = TotalDropout(rate, seed=1)
    calls = 400
    kept = [_kept_or_dropped(np.asarray(layer(X, training=True)), rate) for _ in range(calls)]
    dropped = calls - sum(kept)
    sigma = np.sqrt(calls * rate * (1 - rate))
    assert abs(dropped - calls * rate) < 4 * sigma, dropped
    # Inverted scaling: the mean over calls approaches the input (the inference output).
    mean_scale = sum(kept) / calls / (1 - rate)
    assert abs(mean_scale - 1) < 4 * np.sqrt(rate / (1 - rate) / calls)


def test_a_compiled_function_draws_anew_each_call():
    layer = TotalDropout(0.5, seed=2)
    step = tf.function(lambda x: layer(x, training=True))
    kept = [_kept_or_dropped(np.asarray(step(X)), 0.5) for _ in range(200)]
    assert 60 < sum(kept) < 140  # 100 ± 5.7 sigma
    # Consecutive draws are not stuck: both outcomes follow each outcome.
    pairs = set(zip(kept, kept[1:]))
    assert pairs == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_rate_is_checked_and_config_round_trips():
    with pytest.raises(ValueError, match="rate"):
        TotalDropout(1.0)
    layer = TotalDropout(0.3, seed=5)
    assert TotalDropout.from_config(layer.get_config()).rate == 0.3
