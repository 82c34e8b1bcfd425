"""Explicit embeddings (Nyström kernel PCA, random Fourier features) + a linear perceptron
approach the kernel perceptron's decision boundary as the embedding grows."""

import warnings

import numpy as np

from kerasvision.layers.nystroem_features import NystroemFeatures
from kerasvision.layers.random_fourier_features import RandomFourierFeatures
from kerasvision.models import build
from kerasvision.models.classic.perceptron import PerceptronConvergenceWarning


def _agreement(embedding, x, t, probe, reference):
    model = build("perceptron", input_shape=(embedding.units,), associative_units=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerceptronConvergenceWarning)
        model.fit(np.asarray(embedding(x)), t, shuffle=False, epochs=30, verbose=0)
    return np.mean(model.predict(np.asarray(embedding(probe)), verbose=0)[:, 0] == reference)


def test_linear_units_on_embeddings_approach_the_kernel_perceptron(concentric_circles, grid):
    x, t = concentric_circles()
    kernel_model = build("kernel_perceptron", gamma=1.0, capacity=400)
    kernel_model.fit(x, t, shuffle=False, verbose=0)
    probe = grid()
    reference = kernel_model.predict(probe, verbose=0)[:, 0]
    ny = [_agreement(NystroemFeatures(m, gamma=1.0, seed=0).adapt(x), x, t, probe, reference)
          for m in (5, len(x))]
    # All training points as landmarks: the embedding reproduces k on them exactly, so the
    # linear perceptron makes the kernel perceptron's mistakes and draws its boundary.
    assert ny[1] > 0.99 and ny[0] < ny[1]
    rff = [_agreement(RandomFourierFeatures(m, gamma=1.0, seed=0), x, t, probe, reference)
           for m in (10, 4000)]
    assert rff[1] > 0.9 and rff[0] < rff[1]
