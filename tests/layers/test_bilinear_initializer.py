"""BilinearInitializer: Conv2DTranspose(kernel 4, stride 2) upsamples bilinearly (FCN)."""

import numpy as np
import pytest

import keras

from kerasvision.layers.bilinear_initializer import BilinearInitializer


def _bilinear_upsample_1d(signal, factor):
    # Half-pixel centres: output j samples the input at (j + 0.5) / factor - 0.5.
    n = len(signal)
    pos = (np.arange(n * factor) + 0.5) / factor - 0.5
    lo = np.clip(np.floor(pos).astype(int), 0, n - 1)
    hi = np.clip(lo + 1, 0, n - 1)
    t = pos - np.floor(pos)
    return (1 - t) * signal[lo] + t * signal[hi]


def _bilinear_upsample_2d(image, factor):
    rows = np.stack([_bilinear_upsample_1d(r, factor) for r in image])
    return np.stack([_bilinear_upsample_1d(c, factor) for c in rows.T]).T


def _upsample(image, factor=2, channels=1):
    # FCN's kernel size for factor f: 2f - f mod 2 (Long et al. 2015, surgery.py).
    layer = keras.layers.Conv2DTranspose(channels, 2 * factor - factor % 2, strides=factor,
                                         padding="same",
                                         use_bias=False, kernel_initializer=BilinearInitializer())
    return np.asarray(layer(image))


def test_kernel_is_fcn_upsample_filter():
    kernel = np.asarray(BilinearInitializer()((4, 4, 2, 2)))
    one_d = np.array([0.25, 0.75, 0.75, 0.25])
    np.testing.assert_allclose(kernel[:, :, 0, 0], np.outer(one_d, one_d))
    np.testing.assert_array_equal(kernel[:, :, 0, 1], 0)  # channels do not mix
    odd = np.asarray(BilinearInitializer()((3, 3, 1, 1)))[:, :, 0, 0]
    np.testing.assert_allclose(odd[1], [0.5, 1.0, 0.5])


@pytest.mark.parametrize("factor", [2, 3])
def test_linear_ramp_upsampled_bilinearly_in_interior(factor):
    yy, xx = np.mgrid[0:8, 0:9].astype("float32")
    image = 3.0 * yy - 2.0 * xx + 1.0
    got = _upsample(image[None, :, :, None], factor)[0, :, :, 0]
    want = _bilinear_upsample_2d(image, factor)
    assert got.shape == (8 * factor, 9 * factor)
    inner = slice(2 * factor, -2 * factor)
    np.testing.assert_allclose(got[inner, inner], want[inner, inner], rtol=1e-5, atol=1e-4)


def test_constant_image_stays_constant_per_channel_in_interior():
    image = np.ones((1, 6, 6, 2), "float32") * np.array([2.0, -1.0], "float32")
    got = _upsample(image, 2, channels=2)[0]
    np.testing.assert_allclose(got[2:-2, 2:-2, 0], 2.0, rtol=1e-6)
    np.testing.assert_allclose(got[2:-2, 2:-2, 1], -1.0, rtol=1e-6)


def test_serializes():
    init = keras.initializers.deserialize(keras.initializers.serialize(BilinearInitializer()))
    assert isinstance(init, BilinearInitializer)
    with pytest.raises(ValueError, match="4-D"):
        BilinearInitializer()((4, 4))
