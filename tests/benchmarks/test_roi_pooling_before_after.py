"""benchmarks/roi_pooling_before_after.py loads the earlier layer from git: check that what it
compares is the same function (values and gradient cells) on a small input."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks import roi_pooling_before_after as before_after  # noqa: E402
from kerasvision.layers.roi_pooling import RoIPooling  # noqa: E402


def _has_revision(revision):
    found = subprocess.run(["git", "cat-file", "-e", f"{revision}^{{commit}}"], cwd=ROOT,
                           capture_output=True)
    return found.returncode == 0


@pytest.mark.skipif(not _has_revision(before_after.BEFORE),
                    reason="needs the repository's history (a clone, not an installed copy)")
def test_the_earlier_layer_computes_the_same_pooling():
    earlier = before_after.load_layer_at(before_after.BEFORE)
    assert earlier is not RoIPooling and earlier.__name__ == "RoIPooling"
    rng = np.random.default_rng(3)
    features = tf.Variable(rng.normal(size=(2, 9, 23, 4)).astype(np.float32))
    rois = tf.constant([[[0, 0, 35, 90], [8, 20, 30, 70]],
                        [[-5, -5, 50, 100], [4, 4, 12, 40]]], tf.float32)
    results = []
    for layer_class in (earlier, RoIPooling):
        forward, forward_and_gradient = before_after.contenders_for(layer_class, features,
                                                                    rois, 0.25)
        pooled, gradient = forward_and_gradient()
        np.testing.assert_array_equal(forward().numpy(), pooled.numpy())
        results.append((pooled.numpy(), gradient.numpy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1] != 0, results[1][1] != 0)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5)
    assert (results[1][1] != 0).sum() > 0
