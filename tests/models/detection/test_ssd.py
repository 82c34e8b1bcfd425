"""SSD's published figures and parts: default boxes, sizes, loss, post-processing."""

import numpy as np
import pytest

from kerasvision.models.detection.default_boxes import (boxes_per_position, default_boxes,
                                                        scale_sizes)


def test_ssd300_has_8732_default_boxes():
    # Liu et al. 2016, §3 / Fig. 2: 38²·4 + 19²·6 + 10²·6 + 5²·6 + 3²·4 + 1²·4 = 8,732.
    from kerasvision.models.detection.ssd import RATIOS_300, STEPS_300

    sizes = [(38, 38), (19, 19), (10, 10), (5, 5), (3, 3), (1, 1)]
    mins, maxs = scale_sizes(300, 6, 20, 90, (10, 20))
    boxes = default_boxes(sizes, mins, maxs, RATIOS_300, STEPS_300, (300, 300))
    assert [boxes_per_position(r) for r in RATIOS_300] == [4, 6, 6, 6, 4, 4]
    assert boxes.shape == (8732, 4)


def test_ssd512_has_24564_default_boxes():
    # 64²·4 + 32²·6 + 16²·6 + 8²·6 + 4²·6 + 2²·4 + 1²·4 = 24,564 (SSD512, Liu et al. 2016).
    from kerasvision.models.detection.ssd import RATIOS_512, STEPS_512

    sizes = [(64, 64), (32, 32), (16, 16), (8, 8), (4, 4), (2, 2), (1, 1)]
    mins, maxs = scale_sizes(512, 7, 15, 90, (7, 15))
    assert default_boxes(sizes, mins, maxs, RATIOS_512, STEPS_512, (512, 512)).shape == \
        (24564, 4)


def test_built_ssd_models_have_the_published_maps_and_boxes():
    from kerasvision.models.detection.ssd import ssd300, ssd512

    small = ssd300(num_classes=3, width=1 / 16)
    assert small.feature_sizes == [(38, 38), (19, 19), (10, 10), (5, 5), (3, 3), (1, 1)]
    assert small.num_anchors == 8732
    assert ssd512(num_classes=3, width=1 / 16).num_anchors == 24564


def test_caffe_release_sizes_for_ssd300():
    # ssd_pascal.py: min sizes 30, 60, 111, 162, 213, 264 and max 60, 111, ..., 315 pixels.
    mins, maxs = scale_sizes(300, 6, 20, 90, (10, 20))
    np.testing.assert_allclose(mins, [30, 60, 111, 162, 213, 264])
    np.testing.assert_allclose(maxs, [60, 111, 162, 213, 264, 315])


def test_default_boxes_of_one_position_by_hand():
    # One 1×1 map, step 10, s = 4, s' = 16, ratio 2: squares of side 4 and √(4·16) = 8, then
    # 4√2 × 4/√2 and its transpose, all centred at (5, 5).
    boxes = default_boxes([(1, 1)], [4], [16], [(2,)], [10], (10, 10), clip=False)
    r = np.sqrt(2)
    want = [[3, 3, 7, 7], [1, 1, 9, 9], [5 - 2 * r, 5 - 2 / r, 5 + 2 * r, 5 + 2 / r],
            [5 - 2 / r, 5 - 2 * r, 5 + 2 / r, 5 + 2 * r]]
    np.testing.assert_allclose(boxes, want, atol=1e-5)


def test_default_boxes_are_row_major_with_boxes_innermost():
    boxes = default_boxes([(2, 3)], [2], [2], [()], [10], (20, 30), clip=False)
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    # Two boxes per position; positions row by row: (5,5), (15,5), (25,5), (5,15), ...
    np.testing.assert_allclose(centres[::2], [[5, 5], [15, 5], [25, 5], [5, 15], [15, 15],
                                              [25, 15]])


def test_hard_negative_mining_keeps_three_per_positive():
    from kerasvision.models.detection.multibox_loss import mined_negatives

    loss = np.array([[0.1, 0.9, 0.5, 0.7, 0.3, 0.8, 0.2, 0.6]], np.float32)
    negative = np.array([[True] * 7 + [False]])  # the last anchor is the positive
    kept = np.asarray(mined_negatives(loss, negative, np.array([3])))
    np.testing.assert_array_equal(kept[0], [0, 1, 0, 1, 0, 1, 0, 0])  # 0.9, 0.8, 0.7


def test_multibox_loss_by_hand():
    """One anchor equal to the box (positive, zero offsets), three negatives; the loss is
    (CE of the positive + CE of the 3 hardest negatives) / 1 — with ratio 3, all of them."""
    from kerasvision.models.detection.multibox_loss import MultiBoxLoss

    anchors = np.array([[0, 0, 10, 10], [20, 20, 30, 30], [40, 40, 50, 50],
                        [60, 60, 70, 70]], np.float32)
    loss = MultiBoxLoss(anchors, num_classes=2, min_negatives=0)
    boxes = np.array([[[0, 0, 10, 10], [-1, -1, -1, -1]]], np.float32)
    classes = np.array([[1, -1]], np.float32)
    logits = np.zeros((1, 4, 3), np.float32)
    logits[0, 0] = [0.0, 0.0, 2.0]    # positive, class 1 -> index 2
    logits[0, 1:, 0] = [1.0, 0.0, 3.0]  # negatives, background index 0
    deltas = np.zeros((1, 4, 4), np.float32)
    deltas[0, 0] = [0.5, 0, 0, 0]  # smooth L1: 0.5·0.5² = 0.125
    value = float(loss(boxes, classes, logits, deltas))

    def ce(row, target):
        return np.log(np.exp(row).sum()) - row[target]

    want = ce(logits[0, 0], 2) + sum(ce(logits[0, i], 0) for i in (1, 2, 3)) + 0.125
    assert value == pytest.approx(want, rel=1e-5)


def test_multibox_loss_without_any_object_is_finite_and_teaches_background():
    from kerasvision.models.detection.multibox_loss import MultiBoxLoss

    anchors = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32)
    loss = MultiBoxLoss(anchors, num_classes=2, min_negatives=1)
    boxes = -np.ones((1, 1, 4), np.float32)
    classes = -np.ones((1, 1), np.float32)
    logits = np.array([[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]], np.float32)
    value = float(loss(boxes, classes, logits, np.zeros((1, 2, 4), np.float32)))
    # Only the hardest negative (anchor 0) counts: CE = log(1 + e + 1) - 0.
    assert value == pytest.approx(np.log(2 + np.e), rel=1e-5)


def test_post_processor_pads_with_minus_one_and_sorts():
    from kerasvision.models.detection.detection_post_processor import detection_dict

    boxes = np.array([[[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 60, 60]]], np.float32)
    scores = np.array([[[0.9, 0.0], [0.8, 0.0], [0.0, 0.7]]], np.float32)
    out = {k: np.asarray(v) for k, v in detection_dict(boxes, scores, max_detections=5,
                                                        iou_threshold=0.5).items()}
    assert out["num_detections"].tolist() == [2]  # the second box overlaps the first: gone
    np.testing.assert_allclose(out["confidence"][0], [0.9, 0.7, -1, -1, -1])
    np.testing.assert_array_equal(out["classes"][0], [0, 1, -1, -1, -1])
    np.testing.assert_array_equal(out["boxes"][0, 1], [50, 50, 60, 60])
    assert np.all(out["boxes"][0, 2:] == -1)


def test_l2_normalization_scales_unit_vectors():
    from kerasvision.layers.l2_normalization import L2Normalization

    layer = L2Normalization(scale=20.0)
    x = np.array([[[[3.0, 4.0]]]], np.float32)
    np.testing.assert_allclose(np.asarray(layer(x)), [[[[12.0, 16.0]]]], rtol=1e-5)


def test_backbone_ssd_copies_a_grey_classifier_exactly():
    """The inflated first convolution gives the classifier's features on grey images."""
    import keras

    from kerasvision.models.detection.backbone_ssd import initialize_from_classifier, ssd
    from kerasvision.tasks.pixel_model import pixel_classifier

    classifier = pixel_classifier("resnet18", (32, 32, 1), 3, 0.5, 0.25, width=0.125)
    classifier.get_layer("conv1_conv").set_weights(
        [np.random.default_rng(0).normal(size=w.shape).astype("float32")
         for w in classifier.get_layer("conv1_conv").get_weights()])
    detector = ssd(input_shape=(32, 32, 3), num_classes=2, backbone_kwargs={"width": 0.125},
                   extra_channels=8)
    copied = initialize_from_classifier(detector, classifier)
    assert "conv1_conv" in copied and "conv4_block2_2_conv" in copied
    grey = np.random.default_rng(1).uniform(0, 255, (1, 32, 32, 1)).astype("float32")
    theirs = keras.Model(classifier.input, classifier.get_layer("conv1_conv").output)
    mine = keras.Model(detector.feature_extractor.input,
                       detector.feature_extractor.get_layer("conv1_conv").output)
    np.testing.assert_allclose(np.asarray(mine(np.repeat(grey, 3, -1))),
                               np.asarray(theirs(grey)), atol=1e-3)
