"""ImageNetPreprocessing equals keras.applications' own preprocess_input in each mode."""

import numpy as np
import pytest

import keras

from kerasvision.layers.imagenet_preprocessing import ImageNetPreprocessing


@pytest.mark.parametrize("mode,module", [
    ("caffe", keras.applications.resnet50),
    ("torch", keras.applications.densenet),
    ("tf", keras.applications.resnet_v2),
])
def test_matches_keras_applications(mode, module):
    x = np.random.default_rng(0).uniform(0, 255, (2, 5, 7, 3)).astype("float32")
    want = module.preprocess_input(x.copy())
    got = np.asarray(ImageNetPreprocessing(mode)(x))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_config_round_trip_and_bad_mode():
    layer = ImageNetPreprocessing("torch", name="p")
    assert ImageNetPreprocessing.from_config(layer.get_config()).mode == "torch"
    with pytest.raises(ValueError, match="caffe, torch or tf"):
        ImageNetPreprocessing("bgr")
