"""DSSD (Fu et al., arXiv 1701.06659, 2017): the deconvolution module (Fig. 3), the prediction
module (Fig. 2(c)), default boxes of the registered configurations, and DSSD on any feature
extractor (kerasvision/models/detection/dssd_features.py, dssd.py)."""

import math

import numpy as np
import pytest

import keras

from kerasvision.models import build, build_tiny
from kerasvision.models.contracts.detection import DetectionContract, check_detections
from kerasvision.models.detection.dssd_features import (deconvolution_module, dssd_features,
                                                        prediction_module)
from kerasvision.models.detection.single_shot_detector import SingleShotDetector


def _module_model(fine_side, coarse_side, fine_channels, coarse_channels, channels):
    fine = keras.Input((fine_side, fine_side, fine_channels))
    coarse = keras.Input((coarse_side, coarse_side, coarse_channels))
    out = deconvolution_module(fine, coarse, channels, name="dm")
    return keras.Model([fine, coarse], out)


@pytest.mark.parametrize("fine_side, coarse_side", [(8, 4), (41, 21), (5, 3), (3, 1)])
def test_deconvolution_module_output_has_the_finer_maps_shape(fine_side, coarse_side):
    # 2×2 stride-2 deconvolution: 2n, cropped (41 from 21) or padded (3 from 1) to the finer map.
    model = _module_model(fine_side, coarse_side, 6, 5, channels=4)
    assert model.output.shape == (None, fine_side, fine_side, 4)


def test_deconvolution_module_rejects_maps_not_a_factor_two_apart():
    with pytest.raises(ValueError, match="factor of two"):
        _module_model(16, 4, 3, 3, channels=2)


def _identity_bn(layer):
    # gamma 1, beta 0, mean 0, variance 1 - epsilon: BN is the identity at inference.
    layer.set_weights([np.ones(1), np.zeros(1), np.zeros(1), np.full(1, 1.0 - layer.epsilon)])


def test_deconvolution_module_merges_by_product():
    # One channel everywhere; the deconvolution a 2×2 kernel of ones (each coarse value copied
    # to its 2×2 block), every 3×3 convolution the identity (centre tap 1), every BN the
    # identity. Then the deep branch is up(coarse), the lateral branch ReLU(fine), and Fig. 3
    # gives ReLU(up(coarse) · ReLU(fine)).
    model = _module_model(5, 3, 1, 1, channels=1)
    identity3x3 = np.zeros((3, 3, 1, 1))
    identity3x3[1, 1] = 1.0
    model.get_layer("dm_deconv").set_weights([np.ones((2, 2, 1, 1)), np.zeros(1)])
    for conv in ("dm_deep_conv", "dm_lateral_1_conv", "dm_lateral_2_conv"):
        model.get_layer(conv).set_weights([identity3x3])
    for bn in ("dm_deep_bn", "dm_lateral_1_bn", "dm_lateral_2_bn"):
        _identity_bn(model.get_layer(bn))
    rng = np.random.default_rng(0)
    fine = rng.normal(size=(2, 5, 5, 1)).astype("float32")
    coarse = rng.normal(size=(2, 3, 3, 1)).astype("float32")
    got = np.asarray(model([fine, coarse], training=False))
    # 6×6 from 3×3, the last row and column cropped: fine cell 2i stays on coarse cell i.
    up = np.repeat(np.repeat(coarse, 2, axis=1), 2, axis=2)[:, :5, :5]
    want = np.maximum(up * np.maximum(fine, 0.0), 0.0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # A sum merge would differ: the product is what is computed.
    assert not np.allclose(got, np.maximum(up + np.maximum(fine, 0.0), 0.0))


def _prediction_module_params(inputs, bottleneck, channels):
    # Fig. 2(c): 1×1 b, 1×1 b, 1×1 k on the branch, 1×1 k on the shortcut, all with biases.
    return ((inputs + 1) * bottleneck + (bottleneck + 1) * bottleneck
            + (bottleneck + 1) * channels + (inputs + 1) * channels)


@pytest.mark.parametrize("inputs, bottleneck, channels", [(48, 8, 32), (512, 256, 1024)])
def test_prediction_module_parameter_count(inputs, bottleneck, channels):
    x = keras.Input((3, 3, inputs))
    model = keras.Model(x, prediction_module(x, bottleneck, channels, name="pm"))
    assert model.count_params() == _prediction_module_params(inputs, bottleneck, channels)


def test_prediction_module_paper_widths_by_hand():
    # 512 channels in, 256/256/1024: 131,328 + 65,792 + 263,168 + 525,312.
    assert _prediction_module_params(512, 256, 1024) == 985_600


def test_prediction_module_is_residual():
    # With the branch's last convolution zeroed and an identity shortcut, the module is ReLU(x).
    x = keras.Input((4, 4, 6))
    model = keras.Model(x, prediction_module(x, 3, 6, name="pm"))
    model.get_layer("pm_3_conv").set_weights([np.zeros((1, 1, 3, 6)), np.zeros(6)])
    model.get_layer("pm_0_conv").set_weights([np.eye(6).reshape(1, 1, 6, 6), np.zeros(6)])
    images = np.random.default_rng(1).normal(size=(2, 4, 4, 6)).astype("float32")
    np.testing.assert_allclose(np.asarray(model(images)), np.maximum(images, 0.0), atol=1e-6)


def _map_sides(side, extras):
    # Keras' ResNet halves with rounding up at each stride: C3..C5 are ⌈side/2^k⌉ for k = 3..5;
    # each stride-2 extra halves again (rounding up); the last extra, a valid 3×3, takes 3 to 1.
    sides = [math.ceil(side / 2 ** k) for k in range(3, 6 + extras - 1)]
    return sides + [sides[-1] - 2]


@pytest.mark.parametrize("name, side, extras, boxes", [
    # 8 boxes per position (ratios 1, 1.6, 2, 3 and their inverses, plus SSD's second square),
    # N = 8 · Σ_k n_k²:
    # DSSD321: 8 · (41² + 21² + 11² + 6² + 3² + 1²) = 8 · 2,289 = 18,312;
    # DSSD513: 8 · (65² + 33² + 17² + 9² + 5² + 3² + 1²) = 8 · 5,719 = 45,752.
    ("dssd321", 321, 3, 18_312),
    ("dssd513", 513, 4, 45_752),
])
def test_default_box_counts(name, side, extras, boxes):
    model = build_tiny(name)  # width and depth do not change the maps' sizes
    sides = _map_sides(side, extras)
    assert model.feature_sizes == [(n, n) for n in sides]
    assert model.boxes_per_position == [8] * len(sides)
    assert model.num_anchors == 8 * sum(n * n for n in sides) == boxes


def _tiny_extractor():
    # Any extractor with a list of maps, shallow to deep: 16, 8, 4, 2 from a 32×32 image.
    images = keras.Input((32, 32, 3))
    x, maps = images / 255.0, []
    for i, filters in enumerate((4, 6, 8, 8)):
        x = keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu",
                                name=f"tiny_conv{i}")(x)
        maps.append(x)
    return keras.Model(images, maps, name="tiny_extractor")


def test_dssd_on_any_feature_extractor_fits_and_predicts():
    keras.utils.set_random_seed(0)
    features = dssd_features(_tiny_extractor(), channels=8, bottleneck=4, prediction_channels=8)
    assert [tuple(m.shape[1:]) for m in features.outputs] == [
        (16, 16, 8), (8, 8, 8), (4, 4, 8), (2, 2, 8)]
    detector = SingleShotDetector(features, 2, min_sizes=(4, 8, 16, 24),
                                  max_sizes=(8, 16, 24, 32),
                                  aspect_ratios=[(1.6, 2.0, 3.0)] * 4, steps=(2, 4, 8, 16))
    contract = DetectionContract(spec=None)  # its example batch and optimizer, unregistered
    rng = np.random.default_rng(0)
    x, y = contract.example_inputs(detector, 2, rng), contract.example_targets(detector, 2, rng)
    contract.compile(detector)
    history = detector.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
    check_detections(detector.predict(x, verbose=0), 2, 2, "xyxy", x.shape[1:])


@pytest.mark.slow
@pytest.mark.parametrize("name, fine_channels, extras", [
    ("dssd321", (512, 1024, 2048, 512, 512), 3),
    ("dssd513", (512, 1024, 2048, 512, 512, 512), 4),
])
def test_full_size_parameter_count_by_hand(name, fine_channels, extras):
    # The paper publishes no count; the full model (20 VOC classes) must hold exactly its
    # parts. BN layers count 4 per channel (gamma, beta and the moving statistics).
    resnet = 44_707_176 - (2048 * 1000 + 1000)  # keras.applications ResNet101 without its top
    extra = sum((c_in * 256 + 4 * 256) + (9 * 256 * 512 + 4 * 512)
                for c_in in [2048] + [512] * (extras - 1))
    deconv = sum((4 * 512 * 512 + 512) + (9 * 512 * 512 + 4 * 512)  # deconv, deep 3×3 + BN
                 + (9 * c_f * 512 + 4 * 512) + (9 * 512 * 512 + 4 * 512)  # lateral two 3×3
                 for c_f in fine_channels)
    maps = len(fine_channels) + 1
    heads = maps * ((9 * 1024 * 8 * 21 + 8 * 21) + (9 * 1024 * 8 * 4 + 8 * 4))
    want = resnet + extra + deconv + maps * _prediction_module_params(512, 256, 1024) + heads
    assert build(name).count_params() == want
