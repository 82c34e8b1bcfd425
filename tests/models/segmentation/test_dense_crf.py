"""dense_crf (pydensecrf's permutohedral lattice) against the brute-force mean field of
tests/dense_crf_reference.py, on 6 × 6 images where every pair of pixels can be written out.

The lattice approximates each Gaussian filter (Adams, Baek & Davis, Eurographics 2010: splat to
a coarse lattice, blur, slice back), so the comparison has a tolerance: with unit kernel
weights, one normalised message is a weighted average of probabilities (a value in [0, 1]);
the lattice's message is measured within 0.06 of the exact one (10 seeds; the sharp
smoothness kernel θγ = 1 and the default appearance kernel (80, 13)) and the probabilities
within 0.05 after 1 to 10 iterations (20 seeds). The tests allow 0.1.
With the default weights (3 and 10) a message error is multiplied by up to 10 in the logits,
so there only the labels are compared.
"""

import importlib.util
import sys

import numpy as np
import pytest
from dense_crf_reference import kernel_matrices, mean_field

from kerasvision.models.segmentation.dense_crf import dense_crf

needs_pydensecrf = pytest.mark.skipif(
    importlib.util.find_spec("pydensecrf") is None,
    reason='pydensecrf is not installed (pip install "kerasvision[crf]"; builds from source '
           'with g++)')

LATTICE_TOLERANCE = 0.1


def two_region_scene(seed, size=6):
    """A clean three-region image (noise σ 6 on 0-255), its labels and noisy logits."""
    rng = np.random.default_rng(seed)
    labels = np.zeros((size, size), int)
    labels[:, size // 2:] = 1
    labels[size * 2 // 3:, :size // 3] = 2
    palette = np.array([[40, 40, 40], [200, 180, 60], [60, 120, 220]])
    image = np.clip(palette[labels] + rng.normal(0, 6, (size, size, 3)), 0, 255)
    logits = np.eye(3)[labels] + rng.normal(0, 1.0, (size, size, 3))
    return image.astype(np.uint8), labels, logits


@needs_pydensecrf
@pytest.mark.parametrize("kernel", ["smoothness", "appearance"])
def test_one_message_matches_the_exact_normalised_kernel(kernel):
    # θγ = 1 (a sharp filter, the lattice's hardest) and the default appearance (80, 13).
    smoothness_theta, appearance_theta = 1, (80, 13)
    weights = {"smoothness": ((smoothness_theta, 1), (*appearance_theta, 0)),
               "appearance": ((smoothness_theta, 0), (*appearance_theta, 1))}[kernel]
    for seed in range(3):
        image, _, logits = two_region_scene(seed)
        q0 = np.exp(3 * logits) / np.exp(3 * logits).sum(-1, keepdims=True)
        q1 = dense_crf(image, q0, iterations=1, smoothness=weights[0], appearance=weights[1])
        # Potts: log Q1(l) = log Q0(l) + m(l) + a per-pixel constant, m = K̃ Q0.
        message = np.log(q1) - np.log(q0)
        matrices = dict(zip(["smoothness", "appearance"],
                            kernel_matrices(image, smoothness_theta, appearance_theta)))
        exact = (matrices[kernel] @ q0.reshape(-1, 3)).reshape(6, 6, 3)
        centred = [m - m.mean(-1, keepdims=True) for m in (message, exact)]
        assert np.abs(centred[0] - centred[1]).max() < LATTICE_TOLERANCE
        assert np.abs(centred[1]).max() > 0.3  # messages large enough to tell errors apart


@needs_pydensecrf
@pytest.mark.parametrize("iterations", [1, 5])
def test_unit_weights_match_the_exact_dense_crf(iterations):
    for seed in range(3):
        image, _, logits = two_region_scene(seed)
        q = dense_crf(image, logits, iterations, (3, 1), (80, 13, 1), from_logits=True)
        _, exact = mean_field(logits, image, iterations, 3, (80, 13), (1, 1))
        assert q.shape == (6, 6, 3) and q.dtype == np.float32
        assert np.allclose(q.sum(-1), 1, atol=1e-5)
        assert np.abs(q - exact).max() < LATTICE_TOLERANCE


@needs_pydensecrf
def test_default_weights_give_the_exact_dense_crf_labels():
    for seed in range(3):
        image, _, logits = two_region_scene(seed)
        q = dense_crf(image, logits, iterations=5, from_logits=True)
        _, exact = mean_field(logits, image, 5)  # (3, 3) and (80, 13, 10), as dense_crf's
        assert np.array_equal(q.argmax(-1), exact.argmax(-1))


@needs_pydensecrf
def test_a_noisy_pixel_takes_its_neighbours_label():
    size = 16
    labels = np.zeros((size, size), int)
    labels[:, 8:] = 1
    image = np.where(labels[..., None] == 1, 200, 50).astype(np.uint8).repeat(3, -1)
    scores = np.where(labels[..., None] == np.arange(2), 0.6, 0.4)
    scores[5, 3] = [0.3, 0.7]  # one pixel inside the left region says "right"
    assert scores.argmax(-1)[5, 3] == 1
    refined = dense_crf(image, scores)
    assert np.array_equal(refined.argmax(-1), labels)
    assert refined[5, 3, 0] > 0.9


@needs_pydensecrf
def test_no_iteration_is_the_unary_softmax_and_inputs_are_flexible():
    image, _, logits = two_region_scene(seed=0)
    softmax = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    assert np.allclose(dense_crf(image, logits, iterations=0, from_logits=True), softmax,
                       atol=1e-5)
    grey = image[..., 0]
    assert np.array_equal(dense_crf(grey, softmax), dense_crf(np.stack([grey] * 3, -1), softmax))
    assert np.array_equal(dense_crf(image.astype(np.float32), softmax), dense_crf(image, softmax))
    with pytest.raises(ValueError, match="pixels but scores"):
        dense_crf(image[:5], softmax)


def test_without_pydensecrf_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pydensecrf", None)
    monkeypatch.setitem(sys.modules, "pydensecrf.densecrf", None)
    with pytest.raises(ImportError) as error:
        dense_crf(np.zeros((4, 4, 3), np.uint8), np.full((4, 4, 2), 0.5))
    message = str(error.value)
    assert 'pip install "kerasvision[crf]"' in message and "compiler" in message
    assert "\n" not in message
