"""Selective search (Uijlings et al., IJCV 2013) through OpenCV's contrib implementation."""

import sys

import numpy as np
import pytest

from kerasvision.models.detection.proposal_recall import best_overlaps
from kerasvision.models.detection.selective_search import selective_search

pytest.importorskip("cv2", reason='needs the extra: pip install "kerasvision[proposals]"')

# A red and a blue rectangle on grey; boxes xyxy with exclusive maxima.
TRUTH = np.array([[10, 20, 40, 50], [50, 40, 90, 80]], np.float32)


def two_rectangles():
    image = np.full((96, 96, 3), 128, np.uint8)
    image[20:50, 10:40] = (220, 30, 30)
    image[40:80, 50:90] = (30, 30, 220)
    return image


@pytest.mark.parametrize("mode", ["fast", "quality"])
def test_finds_both_rectangles_exactly(mode):
    boxes = selective_search(two_rectangles(), mode)
    assert boxes.dtype == np.float32 and boxes.ndim == 2 and boxes.shape[1] == 4
    # Each rectangle is one region of the segmentation: its box is among the proposals,
    # with OpenCV's x + w as the exclusive maximum.
    np.testing.assert_allclose(best_overlaps(boxes, TRUTH), [1.0, 1.0])
    assert np.all(boxes[:, :2] >= 0) and np.all(boxes[:, 2:] <= 96)
    assert np.all(boxes[:, 2:] > boxes[:, :2])


def test_seed_makes_the_order_repeatable():
    image = two_rectangles()
    first, again = selective_search(image, seed=3), selective_search(image, seed=3)
    np.testing.assert_array_equal(first, again)
    # The same boxes under another seed, ranked differently (the ranking is level * random).
    other = selective_search(image, seed=4)
    assert sorted(map(tuple, other)) == sorted(map(tuple, first))


def test_max_proposals_keeps_the_first():
    image = two_rectangles()
    every = selective_search(image)
    np.testing.assert_array_equal(selective_search(image, max_proposals=3), every[:3])


def test_float_grey_and_single_channel_inputs():
    image = two_rectangles()
    uint8 = selective_search(image)
    np.testing.assert_array_equal(selective_search(image.astype(np.float32)), uint8)
    np.testing.assert_array_equal(
        selective_search(image.astype(np.float32) / 255, max_value=1.0), uint8)
    grey = image[..., 0]
    np.testing.assert_array_equal(selective_search(grey), selective_search(grey[..., None]))
    # In the red channel both rectangles (220 and 30) still differ from the background (128).
    np.testing.assert_allclose(best_overlaps(selective_search(grey), TRUTH), [1.0, 1.0])


def test_rejects_other_shapes_and_modes():
    with pytest.raises(ValueError, match="mode"):
        selective_search(two_rectangles(), "best")
    with pytest.raises(ValueError, match="RGB"):
        selective_search(np.zeros((8, 8, 4), np.uint8))


def test_threads_are_restored():
    import cv2

    before = cv2.getNumThreads()
    selective_search(two_rectangles(), num_threads=1)
    assert cv2.getNumThreads() == before


def test_missing_opencv_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # `import cv2` now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "kerasvision\[proposals\]"'):
        selective_search(two_rectangles())
