"""The contract's test detector codes and matches boxes correctly (else its fit step would test
nothing)."""

import numpy as np

from keras import ops

from contract_examples.anchor_matching import decode, encode, grid_anchors, match


def test_grid_anchors_are_centred_on_the_cells():
    anchors = grid_anchors(16, 24, stride=8, size=4)
    assert anchors.shape == (6, 4)
    np.testing.assert_array_equal(anchors[0], [2, 2, 6, 6])
    np.testing.assert_array_equal(anchors[-1], [18, 10, 22, 14])


def test_decode_inverts_encode():
    anchors = grid_anchors(16, 16, stride=8, size=8)
    boxes = np.array([[1, 2, 9, 7], [3, 3, 15, 12], [8, 0, 16, 16], [0, 9, 5, 16]], "float32")
    np.testing.assert_allclose(np.asarray(decode(anchors, encode(anchors, boxes))), boxes,
                               atol=1e-4)


def test_match_takes_the_best_valid_box_and_skips_padding():
    anchors = np.array([[0, 0, 8, 8], [8, 8, 16, 16], [0, 8, 8, 16]], "float32")
    # Image 0: a box on anchor 0, a box half on anchor 1 (IoU 0.45: ignored), padding on
    # anchor 2 that must not match.
    boxes = np.array([[[0, 0, 8, 8], [8, 8, 16, 25.8], [0, 8, 8, 16]]], "float32")
    classes = np.array([[2, 1, -1]], "float32")
    matched, matched_classes, positive, negative = (
        np.asarray(t) for t in match(ops.convert_to_tensor(anchors), ops.convert_to_tensor(boxes),
                                     ops.convert_to_tensor(classes)))
    np.testing.assert_array_equal(positive, [[1, 0, 0]])
    np.testing.assert_array_equal(negative, [[0, 0, 1]])
    np.testing.assert_array_equal(matched[0, 0], [0, 0, 8, 8])
    assert matched_classes[0, 0] == 2
