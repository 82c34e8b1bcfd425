"""Recall of region proposals at IoU >= 0.5 (Hosang et al., BMVC 2014; Uijlings et al.'s ABO)."""

import numpy as np
import pytest

from kerasvision.models.detection.proposal_methods import proposal_method, sliding_windows
from kerasvision.models.detection.proposal_recall import best_overlaps, proposal_recall

TRUTH = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32)
# Best first: IoU with the first box 25/100, then 100/200, then the second box exactly.
PROPOSALS = np.array([[0, 0, 5, 5], [0, 0, 10, 20], [20, 20, 30, 30]], np.float32)


def test_best_overlaps_by_hand():
    np.testing.assert_allclose(best_overlaps(PROPOSALS, TRUTH, top_k=1), [0.25, 0.0])
    np.testing.assert_allclose(best_overlaps(PROPOSALS, TRUTH, top_k=2), [0.5, 0.0])
    np.testing.assert_allclose(best_overlaps(PROPOSALS, TRUTH), [0.5, 1.0])
    np.testing.assert_allclose(best_overlaps(np.zeros((0, 4)), TRUTH), [0.0, 0.0])
    assert best_overlaps(PROPOSALS, np.zeros((0, 4))).shape == (0,)


def test_recall_by_hand():
    # A second image: one box of 10 x 10 against a proposal shifted by 5 (IoU 50/150).
    truth = [TRUTH, np.array([[0, 0, 10, 10]], np.float32)]
    proposals = [PROPOSALS, np.array([[5, 0, 15, 10]], np.float32)]
    result = proposal_recall(proposals, truth, top_k=(1, 2, 3))
    assert result["boxes"] == 3
    # k = 1: best IoUs 0.25, 0, 1/3 -> none reaches 0.5.
    assert result[1]["recall"] == 0.0
    assert result[1]["abo"] == pytest.approx((0.25 + 0 + 1 / 3) / 3)
    # k = 2: 0.5 (recalled: the threshold is inclusive), 0, 1/3.
    assert result[2]["recall"] == pytest.approx(1 / 3)
    # k = 3: 0.5, 1, 1/3.
    assert result[3]["recall"] == pytest.approx(2 / 3)
    assert result[3]["abo"] == pytest.approx((0.5 + 1 + 1 / 3) / 3)
    assert result[3]["proposals"] == pytest.approx((3 + 1) / 2)


def test_recall_needs_one_list_per_image():
    with pytest.raises(ValueError, match="2 proposal lists for 1 images"):
        proposal_recall([PROPOSALS, PROPOSALS], [TRUTH])


def test_sliding_windows_by_hand():
    # 4-pixel windows on an 8 x 8 image every 2 pixels: x, y in {0, 2, 4}.
    windows = sliding_windows(np.zeros((8, 8)), scales=(0.5,), aspect_ratios=(1.0,))
    assert len(windows) == 9
    np.testing.assert_array_equal(windows[[0, 1, -1]], [[0, 0, 4, 4], [2, 0, 6, 4],
                                                         [4, 4, 8, 8]])


def test_default_sliding_windows_stay_inside_and_are_unique():
    windows = proposal_method("sliding_windows")(np.zeros((48, 64, 3)))
    assert np.all(windows[:, :2] >= 0) and np.all(windows[:, 2] <= 64)
    assert np.all(windows[:, 3] <= 48)
    assert len(np.unique(windows, axis=0)) == len(windows)
    # Largest first: scale 1 of the shorter side at width/height 0.5 is 48 * sqrt(0.5) wide
    # and 48 / sqrt(0.5) = 67.9 high, capped at the image's 48.
    np.testing.assert_allclose(windows[0], [0, 0, 33.94, 48], atol=1e-4)


def test_unknown_proposal_method_lists_the_known():
    with pytest.raises(ValueError, match="selective_search_fast"):
        proposal_method("selective")
