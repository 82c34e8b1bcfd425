"""keras-cv's DeepLabV3Plus through the adapter: the baseline of
benchmarks/segmenter_comparison.py (the preset's backbone size, shapes, one training step)."""

import numpy as np
import pytest

from kerasvision.models.detection import keras_cv_adapter as adapter


def test_deeplab_has_the_resnet18_v2_preset_backbone_and_scores_every_pixel():
    model = adapter.deeplab_v3_plus_segmenter(11, input_shape=(64, 64, 3))
    # keras-cv 0.9.0's resnet_v2_backbone_presets.py: "resnet18_v2", "params": 11183488.
    assert model.backbone.count_params() == 11_183_488
    assert model.count_params() == 15_403_328  # with ASPP and the decoder, 11 classes
    images = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    scores = np.asarray(model(images))
    assert scores.shape == (2, 64, 64, 11)
    np.testing.assert_allclose(scores.sum(-1), 1.0, atol=1e-5)  # softmax per pixel


@pytest.mark.slow
def test_deeplab_trains_on_a_batch():
    model = adapter.deeplab_v3_plus_segmenter(3, input_shape=(64, 64, 3))
    images = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    masks = np.zeros((2, 64, 64), np.int32)
    masks[:, 16:48, 16:48] = 2
    model.compile("adam", "sparse_categorical_crossentropy")
    first = model.train_on_batch(images, masks)
    for _ in range(4):
        last = model.train_on_batch(images, masks)
    assert np.isfinite(last) and last < first
