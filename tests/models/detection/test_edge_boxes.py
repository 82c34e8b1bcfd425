"""Edge Boxes (Zitnick & Dollár, ECCV 2014) through OpenCV, on gradient edges."""

import numpy as np
import pytest

from kerasvision.models.detection.edge_boxes import edge_boxes, gradient_edges
from kerasvision.models.detection.proposal_recall import best_overlaps

cv2 = pytest.importorskip("cv2", reason='needs the extra: pip install "kerasvision[proposals]"')


def test_boxes_around_two_rectangles():
    image = np.full((96, 96, 3), 128, np.uint8)
    image[20:50, 10:40] = (220, 30, 30)
    image[40:80, 50:90] = (30, 30, 220)
    truth = np.array([[10, 20, 40, 50], [50, 40, 90, 80]], np.float32)
    boxes = edge_boxes(image)
    assert boxes.dtype == np.float32 and boxes.shape[1] == 4 and len(boxes) > 10
    # Measured 0.82 and 0.81: Edge Boxes' step sizes keep it off the exact boxes.
    assert np.all(best_overlaps(boxes, truth) >= 0.7)
    np.testing.assert_array_equal(edge_boxes(image, max_proposals=5), boxes[:5])


def test_edges_are_thin_and_oriented():
    image = np.zeros((40, 40), np.uint8)
    image[:, 20:] = 255  # one vertical step edge
    edges, orientation = gradient_edges(image, cv2)
    assert edges.dtype == np.float32 and edges.max() == pytest.approx(1.0)
    columns = np.flatnonzero(edges[20] > 0)
    assert len(columns) <= 2 and np.all(np.abs(columns - 19.5) <= 1)  # Canny: one pixel wide
    # Dollár's orientation of a vertical edge is 0 or pi (mod pi, the normal along x).
    on_edge = orientation[10:30, columns[0]]
    assert np.all(np.minimum(on_edge, np.pi - on_edge) < 0.1)
