"""Hypothesis properties of the keras-cv adapter (box formats, IoU, NMS, anchors) and of the
package's BoxCoder (anchor coding)."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kerasvision.models.detection import keras_cv_adapter as kca
from kerasvision.models.detection.box_coder import BoxCoder

EXAMPLES = settings(max_examples=150, deadline=None)
IMAGE_SHAPE = (120, 160)  # height, width: boxes below lie inside it
FORMATS = ["xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx",
           "rel_xywh"]


@st.composite
def xyxy_boxes(draw, min_boxes=1, max_boxes=8, min_side=0.5):
    """(N, 4) float32 xyxy boxes with sides >= `min_side`, inside IMAGE_SHAPE."""
    height, width = IMAGE_SHAPE
    count = draw(st.integers(min_boxes, max_boxes))
    boxes = []
    for _ in range(count):
        x1 = draw(st.floats(0, width - min_side - 1, allow_subnormal=False))
        y1 = draw(st.floats(0, height - min_side - 1, allow_subnormal=False))
        x2 = draw(st.floats(x1 + min_side, width, allow_subnormal=False))
        y2 = draw(st.floats(y1 + min_side, height, allow_subnormal=False))
        boxes.append([x1, y1, x2, y2])
    return np.array(boxes, np.float32)


def reference_iou(a, b):
    """IoU of two xyxy boxes in float64, computed the textbook way."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


@EXAMPLES
@given(boxes=xyxy_boxes(), fmt=st.sampled_from(FORMATS), via=st.sampled_from(FORMATS))
def test_format_conversion_round_trips(boxes, fmt, via):
    there = kca.convert_box_format(boxes, "xyxy", fmt, image_shape=IMAGE_SHAPE)
    onward = kca.convert_box_format(there, fmt, via, image_shape=IMAGE_SHAPE)
    back = kca.convert_box_format(onward, via, "xyxy", image_shape=IMAGE_SHAPE)
    assert there.shape == boxes.shape
    np.testing.assert_allclose(back, boxes, atol=1e-3, rtol=1e-5)


def test_format_conversion_known_values():
    box = np.array([[10, 20, 50, 80]], np.float32)  # x1 y1 x2 y2
    np.testing.assert_allclose(kca.convert_box_format(box, "xyxy", "xywh"), [[10, 20, 40, 60]])
    np.testing.assert_allclose(kca.convert_box_format(box, "xyxy", "center_xywh"),
                               [[30, 50, 40, 60]])
    np.testing.assert_allclose(kca.convert_box_format(box, "xyxy", "yxyx"), [[20, 10, 80, 50]])
    np.testing.assert_allclose(kca.convert_box_format(box, "xyxy", "rel_xyxy", (100, 200)),
                               [[0.05, 0.2, 0.25, 0.8]])


@EXAMPLES
@given(first=xyxy_boxes(), second=xyxy_boxes())
def test_iou_is_symmetric_bounded_and_matches_the_textbook(first, second):
    forward = kca.box_iou(first, second)
    backward = kca.box_iou(second, first)
    assert forward.shape == (len(first), len(second))
    np.testing.assert_allclose(forward, backward.T, atol=1e-6)
    assert np.all(forward >= 0) and np.all(forward <= 1 + 1e-6)
    expected = [[reference_iou(a.astype(float), b.astype(float)) for b in second] for a in first]
    np.testing.assert_allclose(forward, expected, atol=1e-4)


@EXAMPLES
@given(boxes=xyxy_boxes(), fmt=st.sampled_from(FORMATS))
def test_iou_does_not_depend_on_the_box_format(boxes, fmt):
    converted = kca.convert_box_format(boxes, "xyxy", fmt, image_shape=IMAGE_SHAPE)
    self_iou = kca.box_iou(converted, converted, fmt, image_shape=IMAGE_SHAPE)
    np.testing.assert_allclose(self_iou, kca.box_iou(boxes, boxes), atol=1e-4)
    np.testing.assert_allclose(np.diag(self_iou), 1.0, atol=1e-3)  # a box overlaps itself fully


@EXAMPLES
@given(boxes=xyxy_boxes(max_boxes=12, min_side=2.0),
       data=st.data(), threshold=st.floats(0.1, 0.9))
def test_nms_keeps_the_best_box_of_every_overlapping_pair(boxes, data, threshold):
    scores = np.array(data.draw(st.lists(st.floats(0, 1, width=32, allow_subnormal=False),
                                         min_size=len(boxes), max_size=len(boxes),
                                         unique=True)), np.float32)
    assume(len(np.unique(scores)) == len(scores))  # ties after float32 rounding: order undefined
    kept = kca.non_max_suppression(boxes, scores, iou_threshold=threshold)
    iou = np.array([[reference_iou(a.astype(float), b.astype(float)) for b in boxes]
                    for a in boxes])
    margin = 1e-4  # float32 IoU in the kernel vs float64 here, near the threshold
    assert kept[0] == np.argmax(scores)  # the best box overall always survives
    assert list(kept) == sorted(kept, key=lambda i: -scores[i])
    for i in kept:  # no two survivors overlap above the threshold
        for j in kept:
            assert i == j or iou[i, j] <= threshold + margin
    for i in set(range(len(boxes))) - set(kept):  # each dropped box lost to a better survivor
        assert any(iou[i, j] > threshold - margin and scores[j] > scores[i] for j in kept)


@EXAMPLES
@given(pair=xyxy_boxes(min_boxes=2, max_boxes=2, min_side=2.0),
       scores=st.lists(st.floats(0.01, 1), min_size=2, max_size=2, unique=True))
def test_nms_of_one_overlapping_pair_keeps_exactly_the_higher_score(pair, scores):
    iou = reference_iou(pair[0].astype(float), pair[1].astype(float))
    assume(abs(iou - 0.5) > 1e-3)
    scores = np.array(scores, np.float32)
    assume(scores[0] != scores[1])
    kept = list(kca.non_max_suppression(pair, scores, iou_threshold=0.5))
    best = int(np.argmax(scores))
    assert kept == ([best] if iou > 0.5 else [best, 1 - best])


def test_nms_edge_cases():
    assert kca.non_max_suppression(np.zeros((0, 4)), np.zeros(0)).tolist() == []
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [20, 20, 30, 30]], np.float32)
    assert kca.non_max_suppression(boxes, [0.5, 0.9, 0.1]).tolist() == [1, 2]
    assert kca.non_max_suppression(boxes, [0.5, 0.9, 0.1], max_output=1).tolist() == [1]
    with pytest.raises(ValueError, match="3 boxes but 2 scores"):
        kca.non_max_suppression(boxes, [0.5, 0.9])


# Sides of at least 4 px in a 160 px wide image: side ratios stay under 40, below BoxCoder's
# decode clamp exp(BBOX_XFORM_CLIP) = 1000/16 = 62.5, so decoding can invert encoding.
@EXAMPLES
@given(anchors=xyxy_boxes(min_boxes=4, max_boxes=4, min_side=4.0),
       boxes=xyxy_boxes(min_boxes=4, max_boxes=4, min_side=4.0),
       weights=st.sampled_from([(10.0, 10.0, 5.0, 5.0), (1.0, 1.0, 1.0, 1.0)]),
       fmt=st.sampled_from(["xyxy", "yxyx"]))
def test_box_coder_round_trips(anchors, boxes, weights, fmt):
    anchors_in = kca.convert_box_format(anchors, "xyxy", fmt)
    boxes_in = kca.convert_box_format(boxes, "xyxy", fmt)
    coder = BoxCoder(weights=weights, bounding_box_format=fmt)
    deltas = np.asarray(coder.encode(boxes_in, anchors_in))
    assert deltas.shape == (4, 4) and np.all(np.isfinite(deltas))
    decoded = np.asarray(coder.decode(deltas, anchors_in))
    np.testing.assert_allclose(decoded, boxes_in, atol=2e-3, rtol=1e-4)


@EXAMPLES
@given(anchors=xyxy_boxes(min_boxes=1, max_boxes=8, min_side=0.5),
       fmt=st.sampled_from(["xyxy", "yxyx"]))
def test_a_box_equal_to_its_anchor_encodes_to_zero(anchors, fmt):
    anchors = kca.convert_box_format(anchors, "xyxy", fmt)
    deltas = BoxCoder(bounding_box_format=fmt).encode(anchors, anchors)
    np.testing.assert_allclose(np.asarray(deltas), 0, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(levels=st.lists(st.sampled_from([4, 8, 16, 32]), min_size=1, max_size=3, unique=True),
       ratios=st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=1, max_size=3, unique=True),
       scales=st.lists(st.sampled_from([1.0, 1.26, 1.59]), min_size=1, max_size=2, unique=True))
def test_anchor_generator_count_size_and_grid(levels, ratios, scales):
    height, width = 64, 96
    strides = sorted(levels)
    sizes = [2 * s for s in strides]
    anchors = kca.anchor_boxes((height, width), sizes, strides, scales, ratios)
    per_location = len(scales) * len(ratios)
    assert anchors.shape == (sum(height // s * width // s * per_location for s in strides), 4)
    centre = kca.convert_box_format(anchors, "xyxy", "center_xywh")
    first = centre[: height // strides[0] * width // strides[0] * per_location]
    # Centres sit in the middle of each stride-sized cell (keras-cv's convention).
    cells = (first[:, :2] - strides[0] / 2) / strides[0]
    np.testing.assert_allclose(cells, np.round(cells), atol=1e-4)
    areas = np.unique(np.round(first[:, 2] * first[:, 3], 1))
    expected = np.unique(np.round([(sizes[0] * s) ** 2 for s in scales], 1))
    np.testing.assert_allclose(areas, expected, rtol=1e-3)  # aspect ratio keeps the area
