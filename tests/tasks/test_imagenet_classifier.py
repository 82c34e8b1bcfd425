"""Registry architectures with ImageNet weights: preprocessing in the graph, labels, offline."""

import numpy as np
import pytest

import keras

from kerasvision.tasks import imagenet_classifier
from kerasvision.tasks.imagenet_classifier import preprocessing_mode


def test_preprocessing_follows_keras_applications():
    assert preprocessing_mode("vgg16") == "caffe"
    assert preprocessing_mode("resnet152") == "caffe"
    assert preprocessing_mode("resnet50_v2") == "tf"
    assert preprocessing_mode("densenet201") == "torch"
    with pytest.raises(ValueError, match="googlenet: no ImageNet preprocessing"):
        preprocessing_mode("googlenet")


def test_offline_class_index_is_one_clear_line(monkeypatch):
    def offline(*args, **kwargs):
        raise Exception("URL fetch failure")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(ConnectionError, match="cannot fetch the ImageNet class index"):
        imagenet_classifier.imagenet_class_names()


@pytest.mark.slow
def test_pixels_in_give_keras_applications_outputs(monkeypatch):
    # Weights copied from keras.applications (no download): our classifier on raw pixels must
    # equal keras.applications on its own preprocess_input.
    from kerasvision.models import build

    reference = keras.applications.ResNet50(weights=None)
    monkeypatch.setattr(imagenet_classifier, "imagenet_class_names",
                        lambda: [f"c{i}" for i in range(1000)])

    def build_with_copied_weights(name, weights=None, input_tensor=None):
        model = build(name, weights=None, input_tensor=input_tensor)
        model.set_weights(reference.get_weights())
        return model

    monkeypatch.setattr("kerasvision.models.build", build_with_copied_weights)
    clf = imagenet_classifier.registry_classifier("resnet50", "imagenet")
    x = np.random.default_rng(0).uniform(0, 255, (2, 224, 224, 3)).astype("float32")
    want = reference(keras.applications.resnet50.preprocess_input(x.copy()))
    np.testing.assert_allclose(clf.scores(list(x)), np.asarray(want), atol=1e-5)
    assert clf.class_names[:2] == ["c0", "c1"]
