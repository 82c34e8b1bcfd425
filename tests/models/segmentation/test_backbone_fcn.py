"""backbone_fcn: scores at input size from the fused C2 map, and a base a classifier starts."""

import numpy as np
import pytest


def test_scores_at_input_size_and_sides_checked():
    from kerasvision.models.segmentation.backbone_fcn import backbone_fcn

    model = backbone_fcn((64, 96, 3), classes=5, backbone_kwargs={"width": 0.125},
                         decoder_channels=8)
    scores = np.asarray(model(np.zeros((1, 64, 96, 3), np.float32)))
    assert scores.shape == (1, 64, 96, 5)
    np.testing.assert_allclose(scores.sum(-1), 1.0, atol=1e-5)
    # One lateral per level, fused from C5 down to C2 (stride 4), then ×4 to the input.
    names = {layer.name for layer in model.layers}
    assert {"lateral_C2", "lateral_C3", "lateral_C4", "lateral_C5"} <= names
    assert model.get_layer("upsample_scores").size == (4, 4)
    with pytest.raises(ValueError, match="multiples of 32"):
        backbone_fcn((48, 64, 3), backbone_kwargs={"width": 0.125})


def test_a_grey_classifier_starts_the_base_exactly():
    import keras

    from kerasvision.models.classifier_initialization import initialize_from_classifier
    from kerasvision.models.segmentation.backbone_fcn import backbone_fcn
    from kerasvision.tasks.pixel_model import pixel_classifier

    classifier = pixel_classifier("resnet18", (32, 32, 1), 3, 0.5, 0.25, width=0.125)
    segmenter = backbone_fcn((32, 32, 3), classes=3, backbone_kwargs={"width": 0.125},
                             decoder_channels=8)
    copied = initialize_from_classifier(segmenter, classifier)
    assert "conv1_conv" in copied and "conv5_block2_2_conv" in copied
    assert not any(name.startswith(("lateral", "smooth", "score")) for name in copied)
    grey = np.random.default_rng(1).uniform(0, 255, (1, 32, 32, 1)).astype("float32")
    level = "conv4_block2_out"
    theirs = keras.Model(classifier.input, classifier.get_layer(level).output)
    mine = keras.Model(segmenter.input, segmenter.get_layer(level).output)
    np.testing.assert_allclose(np.asarray(mine(np.repeat(grey, 3, -1))),
                               np.asarray(theirs(grey)), atol=1e-3)
