"""The package's one resize (io/pixel_resize.py) leaves an image of the target size exactly as
it is, which lets ImagePreprocessor's batched path skip it for model-size images."""

import numpy as np
import pytest

from kerasvision.io.pixel_resize import resize_pixels


@pytest.mark.parametrize("shape", [(28, 28, 1), (7, 13, 3), (1, 1, 1), (64, 48, 4)])
def test_a_same_size_resize_is_the_identity(shape):
    rng = np.random.default_rng(sum(shape))
    images = np.concatenate([rng.integers(0, 256, (3, *shape)).astype(np.float32),
                             rng.uniform(-1e3, 1e3, (2, *shape)).astype(np.float32)])
    np.testing.assert_array_equal(resize_pixels(images, shape[:2]).numpy(), images)


def test_a_different_size_does_resample():
    image = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    out = resize_pixels(image, (2, 2)).numpy()
    assert out.shape == (2, 2, 1) and not np.isin(out, image).all()
