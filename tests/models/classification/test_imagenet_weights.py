"""ImageNet weight compatibility with keras.applications, tested without downloading.

Each builder must have keras.applications' layer structure: copying the weights of a
keras.applications model built with `weights=None` gives identical outputs, and a weight file in
Keras's own (legacy h5, by layer order) format loads through `weights="imagenet"`.
"""

import h5py
import keras
import numpy as np
import pytest
from keras.src.legacy.saving import legacy_h5_format

from kerasvision.models import build, imagenet_weights, list_models
from kerasvision.registry import get_spec


def _application(weights_key):
    """keras.applications' builder whose weight-file key this is ("resnet50v2": ResNet50V2)."""
    return next(a for a in dir(keras.applications) if a.lower() == weights_key)


# Every registration that loads Keras's ImageNet weights, with keras.applications' builder.
APPS = {n: _application(get_spec(n).imagenet_weights) for n in list_models()
        if get_spec(n).imagenet_weights}


def _smallest_per_family():
    """The smallest model of each weights family (the key without its depth: "resnetv2")."""
    families = {}
    for name in APPS:
        family = "".join(c for c in get_spec(name).imagenet_weights if not c.isdigit())
        families.setdefault(family, []).append(name)
    return {min(names, key=lambda n: get_spec(n).reference["params"])
            for names in families.values()}


FAST = _smallest_per_family()  # the others are slow: same check, deeper models


@pytest.mark.parametrize("name", [n if n in FAST else pytest.param(n, marks=pytest.mark.slow)
                                  for n in APPS])
def test_weights_copied_from_keras_applications_give_identical_outputs(name):
    keras.utils.set_random_seed(0)
    shape = (32, 32, 3)
    app = getattr(keras.applications, APPS[name])(weights=None, input_shape=shape)
    ours = build(name, input_shape=shape)
    assert [w.shape for w in ours.weights] == [w.shape for w in app.weights]
    ours.set_weights(app.get_weights())
    x = np.random.default_rng(0).uniform(0, 255, (2, *shape)).astype("float32")
    np.testing.assert_array_equal(ours(x), app(x))


def test_keras_weight_file_loads_through_get_file(tmp_path, monkeypatch):
    # A file in keras.applications' own h5 layout (what get_file would download), no top.
    app = keras.applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    path = tmp_path / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, app)
    calls = []

    def fake_get_file(fname, origin, cache_subdir, file_hash):
        calls.append((fname, origin, cache_subdir, file_hash))
        return str(path)

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    ours = build("resnet50", weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert calls == [("resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
                      "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
                      "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
                      "models", "4d473c1dd8becc155b73f8504c6f6626")]
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_array_equal(ours(x), app(x))


def test_file_names_and_hashes_are_keras_applications_own():
    from keras.src.applications import densenet, resnet, vgg16, vgg19
    for key, (top, notop) in resnet.WEIGHTS_HASHES.items():
        if key in imagenet_weights._FILES:
            assert imagenet_weights.weight_file(key, True)[2] == top
            assert imagenet_weights.weight_file(key, False)[2] == notop
    assert imagenet_weights.weight_file("vgg16", True)[1] == vgg16.WEIGHTS_PATH
    assert imagenet_weights.weight_file("vgg19", False)[1] == vgg19.WEIGHTS_PATH_NO_TOP
    assert imagenet_weights.weight_file("densenet169", False)[1] == \
        densenet.DENSENET169_WEIGHT_PATH_NO_TOP


def test_offline_error_is_one_clear_line(monkeypatch):
    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://...: None -- [Errno -3] "
                        "Temporary failure in name resolution\nmore")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(OSError) as err:
        build("densenet121", weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    message = str(err.value)
    assert "\n" not in message and "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5" in \
        message and "weights=<path>" in message


def test_weights_argument_errors_and_path(tmp_path):
    with pytest.raises(ValueError, match="classes=1000"):
        build("resnet50", weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="no ImageNet weights"):
        build("resnet18", weights="imagenet")
    with pytest.raises(ValueError, match="no ImageNet weights"):
        build("resnet50", weights="imagenet", width=0.5)  # a narrowed model has no file
    with pytest.raises(ValueError, match="path"):
        build("vgg16", weights=str(tmp_path / "missing.h5"))
    # weights=<path> loads a file.
    model = build("resnet20", input_shape=(16, 16, 3), depth=8)
    path = str(tmp_path / "r.weights.h5")
    model.save_weights(path)
    again = build("resnet20", input_shape=(16, 16, 3), depth=8, weights=path)
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
