"""AnchorGenerator against Faster R-CNN's anchors (Ren et al. 2015, §3.1.1) and SSD-style levels."""

import math

import numpy as np
import pytest
import tensorflow as tf

from kerasvision.models.detection.anchor_generator import AnchorGenerator


def _sides(anchors):
    anchors = np.asarray(anchors)
    return anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]


def test_faster_rcnn_default_nine_anchors_have_the_papers_areas_and_ratios():
    generator = AnchorGenerator()  # 3 scales 128², 256², 512² × ratios 1:2, 1:1, 2:1
    assert generator.num_anchors_per_location() == [9]
    anchors = np.asarray(generator.anchors((16, 16), [(1, 1)]))
    assert anchors.shape == (9, 4)
    w, h = _sides(anchors)
    expected = [(r, s) for r in (0.5, 1.0, 2.0) for s in (128, 256, 512)]  # ratios outer
    np.testing.assert_allclose(w * h, [s * s for _, s in expected], rtol=1e-5)
    np.testing.assert_allclose(h / w, [r for r, _ in expected], rtol=1e-5)
    # Every anchor of the position is centred on the cell centre (0.5 * stride).
    np.testing.assert_allclose((anchors[:, 0] + anchors[:, 2]) / 2, 8.0, atol=1e-4)
    np.testing.assert_allclose((anchors[:, 1] + anchors[:, 3]) / 2, 8.0, atol=1e-4)


def test_count_for_a_38_by_50_map_and_the_papers_20k_figure():
    generator = AnchorGenerator()
    assert generator.anchors((600, 800), [(38, 50)]).shape == (38 * 50 * 9, 4) == (17_100, 4)
    # "For a convolutional feature map of a size W × H (typically ∼2,400), there are WHk
    # anchors in total"; a 1000 × 600 image gives ~60 × 40 × 9 ≈ 20k.
    assert generator.anchors((600, 1000), [(40, 60)]).shape[0] == 21_600
    # Feature shapes default to ceil(image side / stride).
    assert generator.anchors((600, 1000)).shape[0] == math.ceil(600 / 16) * math.ceil(1000 / 16) * 9


def test_centres_are_row_major_at_half_stride_offsets():
    generator = AnchorGenerator(sizes=(32,), aspect_ratios=(1.0,), strides=(8,))
    anchors = np.asarray(generator.anchors((16, 24), [(2, 3)]))
    cx, cy = (anchors[:, 0] + anchors[:, 2]) / 2, (anchors[:, 1] + anchors[:, 3]) / 2
    np.testing.assert_allclose(cx, [4, 12, 20, 4, 12, 20])
    np.testing.assert_allclose(cy, [4, 4, 4, 12, 12, 12])


def test_yxyx_is_the_column_swap_of_xyxy():
    xyxy = np.asarray(AnchorGenerator().anchors((64, 96), [(4, 6)]))
    yxyx = np.asarray(AnchorGenerator(bounding_box_format="yxyx").anchors((64, 96), [(4, 6)]))
    np.testing.assert_allclose(yxyx, xyxy[:, [1, 0, 3, 2]])


def test_ssd_style_levels_concatenate_with_their_own_sizes_and_strides():
    generator = AnchorGenerator(sizes=((30, 42), (60,), (111, 134)),
                                aspect_ratios=((1.0, 2.0, 0.5), (1.0, 2.0), (1.0,)),
                                strides=(8, 16, 32))
    assert generator.num_anchors_per_location() == [6, 2, 2]
    shapes = [(38, 38), (19, 19), (10, 10)]
    anchors = np.asarray(generator.anchors((300, 300), shapes))
    assert anchors.shape == (38 * 38 * 6 + 19 * 19 * 2 + 10 * 10 * 2, 4)
    w, h = _sides(anchors[-2:])  # last position of the last level
    np.testing.assert_allclose(w, [111, 134], rtol=1e-5)
    np.testing.assert_allclose((anchors[-1, 0] + anchors[-1, 2]) / 2, 9.5 * 32, rtol=1e-6)


def test_per_level_sizes_must_match_the_strides():
    with pytest.raises(ValueError):
        AnchorGenerator(sizes=((32,), (64,)), strides=(8, 16, 32))


def test_clip_keeps_anchors_inside_the_image():
    anchors = np.asarray(AnchorGenerator(clip=True).anchors((100, 200), [(2, 3)]))
    assert anchors.min() >= 0 and anchors[:, [0, 2]].max() <= 200 and anchors[:, [1, 3]].max() <= 100


def test_runs_in_a_graph_with_run_time_feature_shapes():
    generator = AnchorGenerator()

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 8])])
    def anchors_for(features):
        shape = tf.shape(features)
        return generator.anchors((shape[1] * 16, shape[2] * 16), [(shape[1], shape[2])])

    graph = anchors_for(tf.zeros([1, 5, 7, 8])).numpy()
    np.testing.assert_allclose(graph, np.asarray(generator.anchors((80, 112), [(5, 7)])), atol=1e-4)
