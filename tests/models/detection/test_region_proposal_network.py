"""The Region Proposal Network (Ren et al., Faster R-CNN, NIPS 2015, §3.1): the paper's
structure figures, in-graph proposals, anchor labelling and the balanced anchor sample."""

import numpy as np
import pytest

import keras

from kerasvision.inspect.layer_receptive_field import receptive_field
from kerasvision.models.backbone import build_backbone
from kerasvision.models.detection.balanced_sampler import sample_balanced, sample_indices
from kerasvision.models.detection.box_matcher import pairwise_iou
from kerasvision.models.detection.region_proposal_network import (
    RegionProposalHead,
    generate_proposals,
    inside_image,
    rpn_anchors,
    rpn_loss,
    rpn_targets,
)


def _weights(layer):
    return int(np.prod(layer.kernel.shape)), int(np.prod(layer.bias.shape))


def test_output_layers_have_the_papers_parameter_count():
    # §3.1.1: "our output layer has 2.8 × 10^4 parameters (512 × (4 + 2) × 9 for VGG-16)",
    # and with the 3×3 feature projection "3 × 3 × 512 × 512 + 512 × 6 × 9 = 2.4 × 10^6".
    head = RegionProposalHead(anchors_per_location=9, channels=512)
    logits, deltas = head(np.zeros((1, 2, 3, 512), "float32"))
    assert logits.shape == (1, 2 * 3 * 9, 2) and deltas.shape == (1, 2 * 3 * 9, 4)
    cls_weights, cls_biases = _weights(head.objectness)
    reg_weights, reg_biases = _weights(head.box_deltas)
    assert cls_weights + reg_weights == 512 * (2 + 4) * 9 == 27_648
    assert cls_biases + reg_biases == (2 + 4) * 9 == 54
    assert round((cls_weights + reg_weights) / 1e4, 1) == 2.8
    conv_weights, _ = _weights(head.conv)
    assert round((conv_weights + cls_weights + reg_weights) / 1e6, 1) == 2.4


def test_sliding_window_sees_228_pixels_on_vgg16():
    # §3.1: "the effective receptive field on the input image is large (171 and 228 pixels
    # for ZF and VGG, respectively)": conv5_3 (196 px, stride 16) then the 3×3 window.
    backbone = build_backbone("vgg16", levels=["conv5_3"], input_shape=(224, 224, 3),
                              width=1 / 16)
    head = RegionProposalHead(9, channels=4)
    model = keras.Model(backbone.input, head.conv(backbone.outputs[0]))
    field = receptive_field(model)
    assert tuple(field.size) == (228, 228)
    assert tuple(field.jump) == (16, 16)


def test_default_anchors_are_three_scales_and_three_ratios():
    anchors = rpn_anchors((64, 64), (1, 1))  # one position: its k = 9 anchors
    widths, heights = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    np.testing.assert_allclose(np.sqrt(widths * heights),
                               np.tile([128, 256, 512], 3), rtol=1e-5)
    np.testing.assert_allclose(heights / widths, np.repeat([0.5, 1.0, 2.0], 3), rtol=1e-5)
    np.testing.assert_allclose(anchors[:, :2] + anchors[:, 2:], 16.0, atol=1e-4)  # centre 8


def test_proposals_are_valid_sorted_suppressed_and_padded():
    rng = np.random.default_rng(0)
    image_shape = (96, 128)
    anchors = rpn_anchors(image_shape, (6, 8), sizes=(16, 32, 64))
    batch, n = 3, len(anchors)
    logits = rng.normal(size=(batch, n, 2)).astype("float32")
    deltas = rng.normal(scale=0.5, size=(batch, n, 4)).astype("float32")
    logits[2, :, 1] = -50.0  # image 2: every box is tiny and dropped, so no proposal
    deltas[2, :, 2:] = -3.0
    proposals, scores, counts = (np.asarray(t) for t in generate_proposals(
        anchors, logits, deltas, image_shape, pre_nms_top_n=200, post_nms_top_n=40,
        iou_threshold=0.7, min_size=4.0))
    assert proposals.shape == (batch, 40, 4) and scores.shape == (batch, 40)
    assert counts[2] == 0 and 0 < counts[0] <= 40 and 0 < counts[1] <= 40
    for i, count in enumerate(counts):
        boxes, best = proposals[i, :count], scores[i, :count]
        assert np.all(proposals[i, count:] == -1) and np.all(scores[i, count:] == -1)
        assert np.all(boxes[:, [0, 1]] >= 0) and np.all(boxes[:, 2] <= 128) \
            and np.all(boxes[:, 3] <= 96)
        assert np.all(boxes[:, 2] - boxes[:, 0] >= 4.0) and np.all(boxes[:, 3] - boxes[:, 1] >= 4)
        assert np.all(np.diff(best) <= 0) and np.all((best >= 0) & (best <= 1))
        iou = np.asarray(pairwise_iou(boxes, boxes))
        assert np.all(iou[np.triu_indices(count, 1)] <= 0.7 + 1e-6)


def test_anchor_labels_on_a_hand_case():
    # One box [10, 10, 50, 50] in a 64 × 64 image.
    anchors = np.array([[10, 10, 50, 50],    # IoU 1: positive
                        [12, 10, 52, 50],    # IoU 0.905: positive (> 0.7)
                        [10, 10, 50, 26],    # IoU 0.4: ignored (between 0.3 and 0.7)
                        [40, 40, 60, 60],    # IoU 0.058: negative
                        [0, 0, 8, 8],        # IoU 0: negative
                        [30, 30, 70, 70]],   # crosses the border: ignored (§3.3)
                       "float32")
    boxes = np.array([[[10, 10, 50, 50], [-1, -1, -1, -1]]], "float32")
    mask = np.array([[True, False]])
    labels, targets = (np.asarray(t) for t in rpn_targets(anchors, boxes, mask, (64, 64)))
    np.testing.assert_array_equal(labels[0], [1, 1, -1, 0, 0, -1])
    np.testing.assert_allclose(targets[0, 0], 0.0, atol=1e-6)
    np.testing.assert_allclose(targets[0, 1], [-0.05, 0, 0, 0], atol=1e-6)  # (x - xa) / wa
    # A box no anchor overlaps above 0.7 still gets its best inside anchor (§3.1.2 (i)).
    far = np.array([[[8, 8, 30, 20], [-1, -1, -1, -1]]], "float32")
    labels, _ = rpn_targets(anchors, far, mask, (64, 64))
    assert np.asarray(labels)[0].tolist() == [0, 0, 1, 0, 0, -1]  # anchor 2: IoU 0.28 only
    # With the border rule off, the crossing anchor takes part (IoU 0.14 with the box).
    labels, _ = rpn_targets(anchors, boxes, mask, (64, 64), ignore_cross_boundary=False)
    assert np.asarray(labels)[0].tolist() == [1, 1, -1, 0, 0, 0]
    assert inside_image(anchors, (64, 64)).tolist() == [True] * 5 + [False]


@pytest.mark.parametrize("positives, negatives, want", [
    (300, 1000, (128, 128)),   # up to 1:1
    (20, 1000, (20, 236)),     # few positives: negatives fill the 256
    (300, 50, (128, 50)),      # few negatives: a smaller sample, positives still capped
])
def test_anchor_sample_is_up_to_one_to_one(positives, negatives, want):
    # §3.1.3: 256 anchors per image, "sampled positive and negative anchors have a ratio of
    # up to 1:1"; padded with negatives when an image has fewer than 128 positives.
    n = 2000
    order = np.random.default_rng(1).permutation(n)
    labels = np.full((2, n), -1, "int32")  # two images with the same labels
    labels[:, order[:positives]] = 1
    labels[:, order[positives:positives + negatives]] = 0
    pos, neg, keys = sample_balanced(labels == 1, labels == 0, 256, 0.5,
                                     seed=keras.random.SeedGenerator(3))
    pos, neg = np.asarray(pos), np.asarray(neg)
    assert pos.sum(axis=1).tolist() == [want[0]] * 2 and neg.sum(axis=1).tolist() == [want[1]] * 2
    assert np.all(labels[pos] == 1) and np.all(labels[neg] == 0)
    if positives > want[0]:  # a random draw per image, not the first anchors
        assert not np.array_equal(pos[0], pos[1])
    index, valid = (np.asarray(t) for t in sample_indices(pos, neg, keys, 256))
    assert valid.sum(axis=1).tolist() == [sum(want)] * 2
    taken = np.take_along_axis(labels, index, axis=1)
    assert np.all(taken[:, :want[0]] == 1) and np.all(taken[:, want[0]:sum(want)] == 0)


def test_rpn_loss_is_finite_and_falls_when_the_outputs_match_the_targets():
    anchors = rpn_anchors((64, 64), (4, 4), sizes=(16, 32))
    boxes = np.array([[[8, 8, 40, 40]], [[20, 24, 52, 60]]], "float32")
    labels, targets = rpn_targets(anchors, boxes, np.ones((2, 1), bool), (64, 64))
    labels, targets = np.asarray(labels), np.asarray(targets)
    n = len(anchors)
    zeros_logits, zero_deltas = np.zeros((2, n, 2), "float32"), np.zeros((2, n, 4), "float32")
    blind = float(rpn_loss(labels, targets, zeros_logits, zero_deltas, 64,
                           seed=keras.random.SeedGenerator(0)))
    sign = np.where(labels == 1, 1.0, -1.0)
    good_logits = np.stack([-8.0 * sign, 8.0 * sign], -1).astype("float32")
    good = float(rpn_loss(labels, targets, good_logits, targets, 64,
                          seed=keras.random.SeedGenerator(0)))
    assert np.isfinite(blind) and blind > np.log(2) - 1e-4  # chance log loss, plus boxes
    assert good < 0.01
