"""BoxCoder: Faster R-CNN's parameterisation (Ren et al. 2015, eq. 2) with torchvision's weights."""

import math

import numpy as np
import tensorflow as tf

from kerasvision.models.detection.box_coder import BBOX_XFORM_CLIP, BoxCoder


def _random_boxes(rng, n):
    xy = rng.uniform(0, 500, size=(n, 2))
    # Side ratios stay under 1000/16, below the decode clamp.
    wh = rng.uniform(10, 300, size=(n, 2))
    return np.concatenate([xy, xy + wh], axis=-1).astype("float32")


def test_decode_inverts_encode_on_random_boxes():
    rng = np.random.default_rng(0)
    boxes, anchors = _random_boxes(rng, 200), _random_boxes(rng, 200)
    for coder in (BoxCoder(), BoxCoder(weights=(1, 1, 1, 1))):
        decoded = coder.decode(coder.encode(boxes, anchors), anchors)
        np.testing.assert_allclose(np.asarray(decoded), boxes, rtol=1e-4, atol=1e-2)


def test_yxyx_round_trip_and_same_deltas_as_xyxy():
    rng = np.random.default_rng(1)
    boxes, anchors = _random_boxes(rng, 20), _random_boxes(rng, 20)
    swap = [1, 0, 3, 2]
    coder = BoxCoder(bounding_box_format="yxyx")
    deltas = coder.encode(boxes[:, swap], anchors[:, swap])
    np.testing.assert_allclose(np.asarray(deltas), np.asarray(BoxCoder().encode(boxes, anchors)),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(coder.decode(deltas, anchors[:, swap])), boxes[:, swap],
                               rtol=1e-4, atol=1e-2)


def test_hand_worked_value():
    # Anchor centre (50, 50), 100 × 100. Box centre (60, 40), 200 × 50.
    anchor = [[0.0, 0.0, 100.0, 100.0]]
    box = [[-40.0, 15.0, 160.0, 65.0]]
    deltas = np.asarray(BoxCoder().encode(box, anchor))[0]
    expected = [10 * 10 / 100, 10 * -10 / 100, 5 * math.log(2.0), 5 * math.log(0.5)]
    np.testing.assert_allclose(deltas, expected, rtol=1e-5)


def test_decode_clamps_log_scales_at_log_1000_over_16():
    anchor = [[0.0, 0.0, 16.0, 16.0]]
    deltas = [[0.0, 0.0, 5.0 * 100.0, 5.0 * 100.0]]  # exp(100) would overflow float32
    box = np.asarray(BoxCoder().decode(deltas, anchor))[0]
    assert np.all(np.isfinite(box))
    side = 16.0 * math.exp(BBOX_XFORM_CLIP)
    np.testing.assert_allclose([box[2] - box[0], box[3] - box[1]], [side, side], rtol=1e-5)
    np.testing.assert_allclose(side, 1000.0, rtol=1e-5)
    # Below the clamp nothing changes.
    box = np.asarray(BoxCoder().decode([[0.0, 0.0, 5 * math.log(2.0), 0.0]], anchor))[0]
    np.testing.assert_allclose(box, [-8, 0, 24, 16], atol=1e-4)


def test_padding_rows_encode_to_finite_deltas():
    deltas = np.asarray(BoxCoder().encode([[-1.0, -1.0, -1.0, -1.0]], [[0.0, 0.0, 10.0, 10.0]]))
    assert np.all(np.isfinite(deltas))


def test_runs_in_a_graph():
    coder = BoxCoder()
    spec = tf.TensorSpec([None, 4])

    @tf.function(input_signature=[spec, spec])
    def round_trip(boxes, anchors):
        return coder.decode(coder.encode(boxes, anchors), anchors)

    boxes = _random_boxes(np.random.default_rng(2), 5)
    np.testing.assert_allclose(round_trip(boxes, boxes[::-1].copy()).numpy(), boxes,
                               rtol=1e-4, atol=1e-2)
