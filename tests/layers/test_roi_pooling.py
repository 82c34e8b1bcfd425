"""RoIPooling (Fast R-CNN) against a loop-by-loop numpy port of Caffe's ROIPoolingLayer."""

import math

import numpy as np
import pytest

import keras
import tensorflow as tf

from kerasvision.layers import RoIPooling

SCALE = 0.25  # a 4x-downsampled feature map keeps the RoIs small and hand-checkable
H, W, C = 9, 11, 3


def _c_round(v):
    return math.floor(abs(v) + 0.5) * (1 if v >= 0 else -1)


def _numpy_roi_pool(features, rois, output_size, scale):
    """Caffe's forward pass, plus the flat (h, w) argmax of each output (or -1 when empty)."""
    b_n, h_n, w_n, c_n = features.shape
    out_h, out_w = output_size
    out = np.zeros((b_n, rois.shape[1], out_h, out_w, c_n), np.float32)
    arg = -np.ones(out.shape, np.int64)
    for b in range(b_n):
        for r, roi in enumerate(rois[b]):
            if np.all(roi == -1):
                continue
            h0, w0 = _c_round(roi[0] * scale), _c_round(roi[1] * scale)
            h1, w1 = _c_round(roi[2] * scale), _c_round(roi[3] * scale)
            roi_h, roi_w = max(h1 - h0 + 1, 1), max(w1 - w0 + 1, 1)
            bin_h, bin_w = roi_h / out_h, roi_w / out_w
            for i in range(out_h):
                hs = min(max(math.floor(i * bin_h) + h0, 0), h_n)
                he = min(max(math.ceil((i + 1) * bin_h) + h0, 0), h_n)
                for j in range(out_w):
                    ws = min(max(math.floor(j * bin_w) + w0, 0), w_n)
                    we = min(max(math.ceil((j + 1) * bin_w) + w0, 0), w_n)
                    if he <= hs or we <= ws:
                        continue
                    for c in range(c_n):
                        best, where = -np.inf, -1
                        for u in range(hs, he):
                            for v in range(ws, we):
                                if features[b, u, v, c] > best:
                                    best, where = features[b, u, v, c], u * w_n + v
                        out[b, r, i, j, c], arg[b, r, i, j, c] = best, where
    return out, arg


def _rois():
    # Image size is (H / SCALE, W / SCALE) = (36, 44) pixels.
    return np.array([
        [[0, 0, 35, 43],        # the whole map, touching every border
         [10, 14, 11, 15],      # smaller than one feature cell
         [2, 3, 30, 40],        # larger than the bin count in both directions
         [30, 38, 60, 70],      # runs off the bottom-right: empty clipped bins
         [-1, -1, -1, -1]],     # padding
        [[6, 2, 13, 25],        # wider than high
         [1.9, 2.1, 6.1, 9.9],  # non-integer, rounds half away from zero at 2.0 / 0.5 cells
         [18, 22, 18, 22],      # degenerate: a point
         [-1, -1, -1, -1],
         [-1, -1, -1, -1]],
    ], np.float32)


def _features(seed=0, shape=(2, H, W, C)):
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape).astype(np.float32) - 50.0  # no ties


def test_matches_caffe_reference_eager_and_in_a_graph():
    x, rois = _features(), _rois()
    layer = RoIPooling((3, 4), spatial_scale=SCALE)
    want, _ = _numpy_roi_pool(x, rois, (3, 4), SCALE)
    eager = np.asarray(layer([x, rois]))
    assert eager.shape == (2, 5, 3, 4, C)
    np.testing.assert_array_equal(eager, want)
    graph = tf.function(lambda a, b: layer([a, b]), autograph=False)
    np.testing.assert_array_equal(np.asarray(graph(x, rois)), want)
    # Padding rows and empty bins give zeros; negative features stay negative elsewhere.
    assert not eager[0, 4].any() and not eager[1, 3:].any()
    assert (eager[0, 3] == 0).any() and (eager < 0).any()


def test_default_output_size_and_scale():
    x = _features(1, (1, 20, 20, 2))
    rois = np.array([[[0, 0, 319, 319], [16, 32, 200, 150]]], np.float32)
    want, _ = _numpy_roi_pool(x, rois, (7, 7), 1 / 16)
    np.testing.assert_array_equal(np.asarray(RoIPooling()([x, rois])), want)


def test_gradient_goes_to_exactly_the_argmax_positions():
    x, rois = _features(2, (1, H, W, 2)), _rois()[1:]
    _, arg = _numpy_roi_pool(x, rois, (2, 2), SCALE)
    want = np.zeros_like(x)
    for idx in np.ndindex(arg.shape):
        if arg[idx] >= 0:
            u, v = divmod(int(arg[idx]), W)
            want[0, u, v, idx[-1]] += 1.0
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(RoIPooling(2, spatial_scale=SCALE)([xt, rois]))
    grad = np.asarray(tape.gradient(loss, xt))
    assert np.all(np.isfinite(grad))
    np.testing.assert_array_equal(grad, want)


def _two_input_model():
    features = keras.Input((H, W, C), name="features")
    rois = keras.Input((None, 4), name="rois")
    pooled = RoIPooling((2, 3), spatial_scale=SCALE, name="roi_pool")([features, rois])
    return keras.Model([features, rois], pooled)


def test_symbolic_shape_and_config_round_trip():
    model = _two_input_model()
    assert tuple(model.output.shape) == (None, None, 2, 3, C)
    layer = RoIPooling((5, 6), spatial_scale=0.125, name="p")
    clone = RoIPooling.from_config(layer.get_config())
    assert (clone.output_size, clone.spatial_scale, clone.name) == ((5, 6), 0.125, "p")
    assert layer.compute_output_shape(((4, 9, 9, 8), (4, 10, 4))) == (4, 10, 5, 6, 8)
    with pytest.raises(ValueError):
        RoIPooling((0, 2))


def test_keras_file_safe_mode_and_saved_model(tmp_path):
    model = _two_input_model()
    x, rois = _features(), _rois()
    want, _ = _numpy_roi_pool(x, rois, (2, 3), SCALE)
    path = tmp_path / "roi_pool.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(np.asarray(loaded([x, rois])), want)
    export = str(tmp_path / "export")
    model.export(export, format="tf_saved_model", verbose=False)
    reloaded = tf.saved_model.load(export)
    np.testing.assert_array_equal(np.asarray(reloaded.serve([x, rois])), want)
    # A different batch and RoI count through the same signature.
    want1, _ = _numpy_roi_pool(x[1:], rois[1:, :2], (2, 3), SCALE)
    np.testing.assert_array_equal(np.asarray(reloaded.serve([x[1:], rois[1:, :2]])), want1)


@pytest.mark.parametrize("height, width, output_size", [(8, 10, (3, 4)), (6, 37, (2, 2))])
def test_gather_path_equals_the_mask_path_with_ties(height, width, output_size):
    # TensorFlow runs gather_call; mask_call is the backend-independent path. Features of a
    # few repeated values (ties everywhere, as after a ReLU) and random RoIs off every border:
    # the same maxima, and the gradient to the same (first in row-major order) cell. The
    # 37-column map gives bins of up to 19 columns: sparse-table runs of 1 to 16 columns.
    rng = np.random.default_rng(7)
    x = tf.constant(rng.integers(0, 3, size=(2, height, width, 3)).astype(np.float32))
    corners = rng.uniform(-20, width / SCALE * 1.1, size=(2, 12, 4)).astype(np.float32)
    rois = np.concatenate([np.minimum(corners[..., :2], corners[..., 2:]),
                           np.maximum(corners[..., :2], corners[..., 2:])], -1)
    rois[0, -3:] = -1.0  # padding rows
    layer = RoIPooling(output_size, spatial_scale=SCALE)
    weights = tf.constant(
        rng.uniform(0.5, 1.5, size=(2, 12, *output_size, 3)).astype(np.float32))
    results = []
    for call in (layer.gather_call, layer.mask_call):
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = call(x, tf.constant(rois))
            loss = tf.reduce_sum(out * weights)
        results.append((np.asarray(out), np.asarray(tape.gradient(loss, x))))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)
    assert (results[0][0] == 0).any() and (results[0][0] == 2).any()
