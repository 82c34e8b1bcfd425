"""Efficient subwindow search (Lampert, Blaschko & Hofmann, CVPR 2008) against brute force over
every rectangle, and the best box from a convolutionalised classifier's score map."""

import numpy as np
import pytest

import keras

from kerasvision.models.detection.dense_to_conv import (SlidingGeometry, dense_to_conv,
                                                         sliding_geometry)
from kerasvision.models.detection.subwindow_search import (best_box,
                                                            efficient_subwindow_search,
                                                            rectangle_count, window_quality)


def all_rectangle_sums(values):
    """{(top, bottom, left, right): sum} over every rectangle, by a prefix-sum table."""
    table = np.zeros((values.shape[0] + 1, values.shape[1] + 1))
    table[1:, 1:] = values.cumsum(0).cumsum(1)
    height, width = values.shape
    return {(t, b, l, r): table[b + 1, r + 1] - table[t, r + 1] - table[b + 1, l] + table[t, l]
            for t in range(height) for b in range(t, height)
            for l in range(width) for r in range(l, width)}


def assert_exact(values):
    """The search's rectangle is one of brute force's best, and its score is theirs."""
    found = efficient_subwindow_search(values)
    sums = all_rectangle_sums(np.asarray(values, np.float64))
    best = max(sums.values())
    rectangle = (found.top, found.bottom, found.left, found.right)
    assert found.score == pytest.approx(best, abs=1e-9)
    assert sums[rectangle] == pytest.approx(best, abs=1e-9)
    return found, sums, best


@pytest.mark.parametrize("seed, shape", [(0, (6, 6)), (1, (7, 9)), (2, (8, 8)), (3, (10, 7)),
                                         (4, (12, 12)), (5, (1, 11)), (6, (11, 1))])
def test_equals_brute_force_on_random_maps(seed, shape):
    values = np.random.default_rng(seed).normal(-0.2, 1.0, shape)
    found, _, _ = assert_exact(values)
    assert found.bounds_evaluated >= 1


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_all_negative_map_gives_its_best_cell(seed):
    values = -np.random.default_rng(seed).uniform(0.1, 2.0, (9, 8))
    found, _, best = assert_exact(values)
    assert (found.top, found.left) == (found.bottom, found.right)  # one cell
    assert best == pytest.approx(values.max(), abs=1e-12)
    assert values[found.top, found.left] == values.max()


@pytest.mark.parametrize("seed", [20, 21, 22, 23])
def test_ties_by_score_return_one_of_the_best(seed):
    # Integers (exact sums): two equal 2 x 3 blocks of +2 far apart in a map of -1..-3, one of
    # them with a zero row beside it, so at least three rectangles share the best score 12.
    rng = np.random.default_rng(seed)
    values = rng.integers(-3, 0, (9, 11)).astype(float)
    a, b = (int(rng.integers(0, 3)), int(rng.integers(0, 3))), \
        (int(rng.integers(5, 7)), int(rng.integers(6, 8)))
    for top, left in (a, b):
        values[top:top + 2, left:left + 3] = 2.0
    values[b[0] + 2, b[1]:b[1] + 3] = 0.0
    found, sums, best = assert_exact(values)
    assert best == 12.0 and sum(s == best for s in sums.values()) >= 3
    assert sums[(found.top, found.bottom, found.left, found.right)] == best


def test_zero_map_and_single_cell():
    assert efficient_subwindow_search(np.zeros((4, 5))).score == 0.0
    one = efficient_subwindow_search([[-3.5]])
    assert (one.top, one.bottom, one.left, one.right, one.score) == (0, 0, 0, 0, -3.5)


def test_object_in_noise_needs_few_bounds():
    # A 10 x 12 positive object in a 32 x 32 negative noisy map: exact, with a few hundred
    # bounds at most against 278,784 rectangles (the paper's point: sub-linear in the
    # windows; docs/detection.md has the measured counts).
    rng = np.random.default_rng(0)
    values = -1.0 + rng.normal(0.0, 0.5, (32, 32))
    values[5:15, 8:20] += 2.0
    found, _, _ = assert_exact(values)
    assert (found.top, found.bottom, found.left, found.right) == (5, 14, 8, 19)
    assert rectangle_count(32, 32) == 278_784
    assert found.bounds_evaluated < rectangle_count(32, 32) // 1000


def test_rectangle_count_counts_rectangles():
    assert rectangle_count(6, 9) == len(all_rectangle_sums(np.zeros((6, 9))))


@pytest.mark.parametrize("bad", [np.zeros(5), np.zeros((0, 3)), [[0.0, np.nan]]])
def test_bad_maps_are_refused(bad):
    with pytest.raises(ValueError, match="score_map"):
        efficient_subwindow_search(bad)


def test_window_quality_is_log_odds_or_margin():
    np.testing.assert_allclose(window_quality([0.5, 0.9]), [0.0, np.log(9.0)])
    np.testing.assert_allclose(window_quality([0.2, 0.7], threshold=0.5), [-0.3, 0.2])
    assert np.isfinite(window_quality([0.0, 1.0])).all()


def test_best_box_maps_cells_to_pixels():
    geometry = SlidingGeometry(window=(16, 12), stride=(4, 2), exact=True)
    probabilities = np.full((10, 12, 2), 0.1)
    probabilities[2:5, 3:7, 1] = 0.9  # class 1 fires at rows 2-4, columns 3-6
    probabilities[..., 0] = 1 - probabilities[..., 1]
    for threshold in (None, 0.5):
        found = best_box(probabilities, 1, geometry, threshold=threshold, extent="windows")
        assert (found.cells.top, found.cells.bottom, found.cells.left, found.cells.right) \
            == (2, 4, 3, 6)
        # Windows from (x 6, y 8) to the last one's end: x 12 + 12, y 16 + 16.
        assert found.box == (6.0, 8.0, 24.0, 32.0)
    centres = best_box(probabilities, 1, geometry)
    # Window centres x 12..18 and y 16..24, plus half a stride each side.
    assert centres.box == (11.0, 14.0, 19.0, 26.0)


def test_best_box_finds_a_bright_object_through_the_convolutional_classifier():
    # A window classifier "is this 8 x 8 window mostly bright": the mean pixel through an
    # 8 x 8 convolution, then logits (0, 20 (mean - 1/2)). Made convolutional, its map over a
    # 64 x 64 image holds every window's probability; the search finds the object.
    crops = keras.Input((8, 8, 1))
    mean = keras.layers.Conv2D(1, 8, kernel_initializer=keras.initializers.Constant(1 / 64),
                               bias_initializer="zeros")(crops)
    logits = keras.layers.Dense(2, activation="softmax")
    scores = logits(keras.layers.Flatten()(mean))
    logits.set_weights([np.array([[0.0, 20.0]], "float32"), np.array([0.0, -10.0], "float32")])
    classifier = keras.Model(crops, scores)
    image = np.zeros((1, 64, 64, 1), "float32")
    image[0, 16:40, 8:48] = 1.0  # the object: x 8-48, y 16-40
    score_map = np.asarray(dense_to_conv(classifier)(image))[0]
    geometry = sliding_geometry(classifier)
    assert geometry.stride == (1, 1) and score_map.shape == (57, 57, 2)
    found = best_box(score_map, 1, geometry)
    np.testing.assert_allclose(found.box, (8, 16, 48, 40), atol=1.0)
    union = best_box(score_map, 1, geometry, extent="windows").box
    assert union[0] < 8 and union[1] < 16 and union[2] > 48 and union[3] > 40
