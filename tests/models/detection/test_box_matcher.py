"""BoxMatcher: the RPN's labelling rule (Ren et al. 2015, §3.1.2) against a numpy reference."""

import numpy as np
import tensorflow as tf

from kerasvision.models.detection.box_matcher import BoxMatcher, pairwise_iou


def _iou_reference(a, b):
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            iw = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
            ih = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
            inter = iw * ih
            union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter
            out[i, j] = inter / union if union > 0 else 0.0
    return out


def _match_reference(anchors, gt, pos=0.7, neg=0.3, low_quality=True):
    valid = ~np.all(gt == -1, axis=-1)
    if not valid.any():
        return np.full(len(anchors), -1), np.zeros(len(anchors), int)
    iou = _iou_reference(anchors, gt)
    iou[:, ~valid] = -1
    best = iou.max(axis=1)
    matched = iou.argmax(axis=1)
    labels = np.where(best > pos, 1, np.where(best < neg, 0, -1))
    if low_quality:
        for j in np.flatnonzero(valid):
            if iou[:, j].max() > 0:
                labels[iou[:, j] == iou[:, j].max()] = 1
    return matched, labels


def _random_boxes(rng, n, low=0, high=200):
    xy = rng.uniform(low, high, size=(n, 2))
    wh = rng.uniform(5, 80, size=(n, 2))
    return np.concatenate([xy, xy + wh], axis=-1).astype("float32")


def test_pairwise_iou_matches_the_reference_and_broadcasts():
    rng = np.random.default_rng(0)
    a, b = _random_boxes(rng, 30), _random_boxes(rng, 7)
    np.testing.assert_allclose(np.asarray(pairwise_iou(a, b)), _iou_reference(a, b), atol=1e-5)
    batched = np.asarray(pairwise_iou(a, np.stack([b, b[::-1]])))
    assert batched.shape == (2, 30, 7)
    np.testing.assert_allclose(batched[1], _iou_reference(a, b[::-1]), atol=1e-5)


def test_random_cases_match_the_numpy_reference():
    rng = np.random.default_rng(1)
    matcher = BoxMatcher()
    for _ in range(10):
        anchors = _random_boxes(rng, 60)
        gt = np.concatenate([anchors[rng.choice(60, 3)] + rng.normal(0, 6, (3, 4)),
                             _random_boxes(rng, 2), -np.ones((2, 4))]).astype("float32")
        matched, labels = (np.asarray(t) for t in matcher(anchors, gt))
        ref_matched, ref_labels = _match_reference(anchors, gt)
        np.testing.assert_array_equal(labels, ref_labels)
        np.testing.assert_array_equal(matched[labels == 1], ref_matched[labels == 1])
        assert set(np.unique(labels)) <= {-1, 0, 1} and (labels == 1).any()


def test_batched_ground_truth_matches_per_image():
    rng = np.random.default_rng(2)
    anchors = _random_boxes(rng, 40)
    gt = np.stack([np.concatenate([_random_boxes(rng, 2), -np.ones((2, 4))]),
                   _random_boxes(rng, 4)]).astype("float32")
    matched, labels = (np.asarray(t) for t in BoxMatcher()(anchors, gt))
    assert labels.shape == matched.shape == (2, 40)
    for image in range(2):
        ref_matched, ref_labels = _match_reference(anchors, gt[image])
        np.testing.assert_array_equal(labels[image], ref_labels)
        np.testing.assert_array_equal(matched[image], ref_matched)


def test_low_quality_rule_makes_each_boxes_best_anchor_positive():
    anchors = np.array([[0, 0, 10, 10], [20, 0, 30, 10], [100, 100, 110, 110]], "float32")
    gt = np.array([[0, 0, 10, 20]], "float32")  # IoU 0.5 with anchor 0, 0 with the others
    _, labels = BoxMatcher()(anchors, gt)
    np.testing.assert_array_equal(np.asarray(labels), [1, 0, 0])
    _, labels = BoxMatcher(allow_low_quality=False)(anchors, gt)
    np.testing.assert_array_equal(np.asarray(labels), [-1, 0, 0])  # 0.3 <= 0.5 <= 0.7


def test_thresholds_are_strict_as_in_the_paper():
    anchors = np.array([[0, 0, 10, 10], [0, 0, 10, 10]], "float32")
    # IoU exactly 0.3 (ignored, not negative) — anchor against a 10 x 3 box inside it.
    _, labels = BoxMatcher(allow_low_quality=False)(anchors, np.array([[0, 0, 10, 3]], "float32"))
    np.testing.assert_array_equal(np.asarray(labels), [-1, -1])


def test_all_padding_ground_truth_makes_everything_negative():
    anchors = _random_boxes(np.random.default_rng(3), 25)
    matched, labels = BoxMatcher()(anchors, -np.ones((3, 4), "float32"))
    np.testing.assert_array_equal(np.asarray(labels), 0)
    np.testing.assert_array_equal(np.asarray(matched), -1)


def test_runs_in_a_graph_with_dynamic_counts():
    matcher = BoxMatcher()

    @tf.function(input_signature=[tf.TensorSpec([None, 4]), tf.TensorSpec([None, None, 4])])
    def match(anchors, gt):
        return matcher(anchors, gt)

    rng = np.random.default_rng(4)
    anchors = _random_boxes(rng, 30)
    gt = np.concatenate([anchors[:2] + 1, -np.ones((1, 4), "float32")])[None]
    matched, labels = match(anchors, gt)
    ref_matched, ref_labels = _match_reference(anchors, gt[0])
    np.testing.assert_array_equal(labels.numpy()[0], ref_labels)
    np.testing.assert_array_equal(matched.numpy()[0], ref_matched)
