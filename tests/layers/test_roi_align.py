"""RoIAlign (Mask R-CNN) against a loop-by-loop numpy port of torchvision's roi_align kernel."""

import math

import numpy as np
import pytest

import keras
import tensorflow as tf

from kerasvision.layers import RoIAlign

SCALE = 0.25
H, W, C = 9, 11, 3


def _bilinear(fmap, y, x):
    """torchvision's `bilinear_interpolate` (roi_align_kernel.cpp), one point, all channels."""
    h_n, w_n = fmap.shape[:2]
    if y < -1.0 or y > h_n or x < -1.0 or x > w_n:
        return np.zeros(fmap.shape[-1])
    y, x = max(y, 0.0), max(x, 0.0)
    y_low, x_low = int(y), int(x)
    if y_low >= h_n - 1:
        y_high = y_low = h_n - 1
        y = float(y_low)
    else:
        y_high = y_low + 1
    if x_low >= w_n - 1:
        x_high = x_low = w_n - 1
        x = float(x_low)
    else:
        x_high = x_low + 1
    ly, lx = y - y_low, x - x_low
    hy, hx = 1.0 - ly, 1.0 - lx
    return (hy * hx * fmap[y_low, x_low] + hy * lx * fmap[y_low, x_high]
            + ly * hx * fmap[y_high, x_low] + ly * lx * fmap[y_high, x_high])


def _numpy_roi_align(features, rois, output_size, scale, sampling_ratio, aligned):
    b_n, _, _, c_n = features.shape
    out_h, out_w = output_size
    out = np.zeros((b_n, rois.shape[1], out_h, out_w, c_n))
    offset = 0.5 if aligned else 0.0
    for b in range(b_n):
        for r, roi in enumerate(rois[b].astype(np.float64)):
            if np.all(roi == -1):
                continue
            y0, x0 = roi[0] * scale - offset, roi[1] * scale - offset
            roi_h, roi_w = roi[2] * scale - offset - y0, roi[3] * scale - offset - x0
            if not aligned:
                roi_h, roi_w = max(roi_h, 1.0), max(roi_w, 1.0)
            bin_h, bin_w = roi_h / out_h, roi_w / out_w
            n = sampling_ratio
            for i in range(out_h):
                for j in range(out_w):
                    acc = np.zeros(c_n)
                    for iy in range(n):
                        y = y0 + i * bin_h + (iy + 0.5) * bin_h / n
                        for ix in range(n):
                            x = x0 + j * bin_w + (ix + 0.5) * bin_w / n
                            acc += _bilinear(features[b], y, x)
                    out[b, r, i, j] = acc / (n * n)
    return out


def _rois():
    # Image size is (H / SCALE, W / SCALE) = (36, 44) pixels.
    return np.array([
        [[0, 0, 36, 44],        # the whole map, touching every border
         [10, 14, 11.5, 15],    # smaller than one feature cell
         [2, 3, 30, 40],        # larger than the bin count in both directions
         [30, 38, 60, 70],      # runs off the bottom-right: samples past the map read 0
         [-1, -1, -1, -1]],     # padding
        [[6, 2, 13, 25],
         [-8, -9, 5.3, 7.7],    # starts off the top-left
         [18, 22, 18, 22],      # degenerate: a point
         [-1, -1, -1, -1],
         [-1, -1, -1, -1]],
    ], np.float32)


def _features(seed=0, shape=(2, H, W, C)):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


@pytest.mark.parametrize("aligned", [True, False])
@pytest.mark.parametrize("sampling_ratio", [1, 2, 3])
def test_matches_torchvision_reference_eager_and_in_a_graph(aligned, sampling_ratio):
    x, rois = _features(), _rois()
    layer = RoIAlign((3, 4), spatial_scale=SCALE, sampling_ratio=sampling_ratio,
                     aligned=aligned)
    want = _numpy_roi_align(x, rois, (3, 4), SCALE, sampling_ratio, aligned)
    eager = np.asarray(layer([x, rois]))
    assert eager.shape == (2, 5, 3, 4, C)
    np.testing.assert_allclose(eager, want, rtol=1e-5, atol=1e-5)
    graph = tf.function(lambda a, b: layer([a, b]), autograph=False)
    np.testing.assert_allclose(np.asarray(graph(x, rois)), want, rtol=1e-5, atol=1e-5)
    assert not eager[0, 4].any() and not eager[1, 3:].any()


def test_linear_ramp_is_sampled_exactly_at_bin_centres():
    # Bilinear interpolation of a linear function is exact, so (for aligned=True and points
    # inside [0, H-1] x [0, W-1]) every bin's average is the ramp at the bin's centre,
    # (y1·s − ½ + (i + ½)·h/H_out, x1·s − ½ + (j + ½)·w/W_out) in feature-cell coordinates.
    u, v = np.meshgrid(np.arange(16.0), np.arange(20.0), indexing="ij")
    ramp = (3.0 * u - 2.0 * v + 1.0).astype(np.float32)[None, :, :, None]
    roi = np.array([[[10.0, 20.0, 50.0, 60.0]]], np.float32)  # pixels, spatial_scale 1/4
    got = np.asarray(RoIAlign((2, 5), spatial_scale=0.25, sampling_ratio=2)([ramp, roi]))
    y0, x0, h, w = 10 / 4 - 0.5, 20 / 4 - 0.5, 40 / 4, 40 / 4
    cy = y0 + (np.arange(2) + 0.5) * h / 2
    cx = x0 + (np.arange(5) + 0.5) * w / 5
    want = 3.0 * cy[:, None] - 2.0 * cx[None, :] + 1.0
    np.testing.assert_allclose(got[0, 0, :, :, 0], want, rtol=1e-6, atol=1e-5)
    # Hand-checked corner: bin (0, 0) centre is (2 + 2.5, 4.5 + 1) = (4.5, 5.5): 13.5 − 11 + 1.
    assert got[0, 0, 0, 0, 0] == pytest.approx(3.5)


def test_gradient_with_respect_to_features_is_finite_and_sums_to_the_weights():
    x, rois = _features(1), _rois()
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(RoIAlign(2, spatial_scale=SCALE)([xt, rois]))
    grad = np.asarray(tape.gradient(loss, xt))
    assert np.all(np.isfinite(grad)) and np.abs(grad).sum() > 0
    # The loss is linear in the features: the gradient is the total interpolation weight.
    ones = np.ones_like(x)
    total = _numpy_roi_align(ones, rois, (2, 2), SCALE, 2, True).sum()
    assert grad.sum() == pytest.approx(total, rel=1e-5)


def _two_input_model():
    features = keras.Input((H, W, C), name="features")
    rois = keras.Input((None, 4), name="rois")
    aligned = RoIAlign((2, 3), spatial_scale=SCALE, name="roi_align")([features, rois])
    return keras.Model([features, rois], aligned)


def test_symbolic_shape_and_config_round_trip():
    model = _two_input_model()
    assert tuple(model.output.shape) == (None, None, 2, 3, C)
    layer = RoIAlign((5, 6), spatial_scale=0.125, sampling_ratio=3, aligned=False, name="a")
    clone = RoIAlign.from_config(layer.get_config())
    assert (clone.output_size, clone.spatial_scale, clone.sampling_ratio, clone.aligned,
            clone.name) == ((5, 6), 0.125, 3, False, "a")
    assert layer.compute_output_shape(((4, 9, 9, 8), (4, 10, 4))) == (4, 10, 5, 6, 8)
    with pytest.raises(ValueError, match="sampling_ratio"):
        RoIAlign(sampling_ratio=0)


def test_keras_file_safe_mode_and_saved_model(tmp_path):
    model = _two_input_model()
    x, rois = _features(2), _rois()
    want = _numpy_roi_align(x, rois, (2, 3), SCALE, 2, True)
    path = tmp_path / "roi_align.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded([x, rois])), want, rtol=1e-5, atol=1e-5)
    export = str(tmp_path / "export")
    model.export(export, format="tf_saved_model", verbose=False)
    reloaded = tf.saved_model.load(export)
    np.testing.assert_allclose(np.asarray(reloaded.serve([x, rois])), want, rtol=1e-5, atol=1e-5)
    want1 = _numpy_roi_align(x[1:], rois[1:, :2], (2, 3), SCALE, 2, True)
    np.testing.assert_allclose(np.asarray(reloaded.serve([x[1:], rois[1:, :2]])), want1,
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("aligned", [True, False])
def test_crop_and_resize_path_equals_the_interpolation_matrices(aligned):
    # TensorFlow runs crop_call; matrix_call is the backend-independent path. Random RoIs
    # run off every border, shrink below a cell and cross each other; values and gradients
    # (to the features and to the RoI corners) must agree.
    rng = np.random.default_rng(5)
    x = tf.constant(_features(4, (2, 7, 10, 3)))
    corners = rng.uniform(-12, 50, size=(2, 12, 4)).astype(np.float32)
    rois = np.concatenate([np.minimum(corners[..., :2], corners[..., 2:]),
                           np.maximum(corners[..., :2], corners[..., 2:])], -1)
    rois[1, -2:] = -1.0  # padding rows
    rois = tf.constant(rois)
    layer = RoIAlign((3, 2), spatial_scale=SCALE, sampling_ratio=3, aligned=aligned)
    weights = tf.constant(rng.normal(size=(2, 12, 3, 2, 3)).astype(np.float32))
    results = []
    for call in (layer.crop_call, layer.matrix_call):
        with tf.GradientTape() as tape:
            tape.watch([x, rois])
            out = call(x, rois)
            loss = tf.reduce_sum(out * weights)
        results.append((out, *tape.gradient(loss, [x, rois])))
    for crop, matrix in zip(*results):
        np.testing.assert_allclose(np.asarray(crop), np.asarray(matrix), rtol=1e-4, atol=1e-4)
