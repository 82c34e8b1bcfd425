"""MeanFieldCRF against the brute-force mean field of tests/dense_crf_reference.py: with a
window covering the whole image the layer is the exact dense CRF, with a smaller one the
dense CRF whose kernels are cut to the window (the ConvCRF approximation)."""

import keras
import numpy as np
import pytest
from dense_crf_reference import mean_field

from kerasvision.layers.mean_field_crf import MeanFieldCRF

THETAS = {"smoothness_theta": 2.0, "appearance_theta": (4.0, 60.0)}


def random_case(seed, height=6, width=6, classes=3):
    rng = np.random.default_rng(seed)
    image = rng.uniform(0, 255, (height, width, 3)).astype(np.float32)
    logits = rng.normal(0, 1.5, (height, width, classes)).astype(np.float32)
    compatibility = rng.uniform(0, 2, (classes, classes)).astype(np.float32)
    return image, logits, compatibility


def crf_layer(classes, compatibility=None, weights=(1.5, 2.5), **kwargs):
    layer = MeanFieldCRF(**{**THETAS, **kwargs})
    layer.build([(None, None, None, classes), (None, None, None, 3)])
    layer.kernel_weights.assign(weights)
    if compatibility is not None:
        layer.compatibility.assign(compatibility)
    return layer


@pytest.mark.parametrize("iterations", [1, 4])
def test_a_window_over_the_whole_image_is_the_exact_dense_crf(iterations):
    image, logits, compatibility = random_case(seed=iterations)
    layer = crf_layer(3, compatibility, iterations=iterations, window=11)  # 11 = 2·6 - 1
    refined = np.asarray(layer([logits[None], image[None]]))[0]
    expected, _ = mean_field(logits, image, iterations, 2.0, (4.0, 60.0), (1.5, 2.5),
                             compatibility)
    assert np.abs(refined - expected).max() < 1e-4
    assert np.abs(expected - logits).max() > 0.5  # the CRF did change the logits


def test_a_smaller_window_is_the_dense_crf_with_cut_kernels():
    image, logits, compatibility = random_case(seed=5)
    layer = crf_layer(3, compatibility, iterations=3, window=3)
    refined = np.asarray(layer([logits[None], image[None]]))[0]
    cut, _ = mean_field(logits, image, 3, 2.0, (4.0, 60.0), (1.5, 2.5), compatibility, window=3)
    full, _ = mean_field(logits, image, 3, 2.0, (4.0, 60.0), (1.5, 2.5), compatibility)
    assert np.abs(refined - cut).max() < 1e-4
    assert np.abs(cut - full).max() > 0.1  # the window matters on this case


def test_starts_as_potts_with_the_given_weights_and_no_iteration_is_identity():
    layer = MeanFieldCRF(iterations=0, smoothness_weight=3.0, appearance_weight=10.0)
    image, logits, _ = random_case(seed=0, classes=4)
    assert np.array_equal(np.asarray(layer([logits[None], image[None]]))[0], logits)
    assert np.array_equal(np.asarray(layer.compatibility), 1 - np.eye(4))
    assert np.array_equal(np.asarray(layer.kernel_weights), [3.0, 10.0])
    with pytest.raises(ValueError, match="odd"):
        MeanFieldCRF(window=4)


def test_a_noisy_pixel_takes_its_neighbours_label():
    labels = np.zeros((10, 10), int)
    labels[:, 5:] = 1
    image = np.where(labels[..., None] == 1, 200.0, 50.0).repeat(3, -1)
    logits = np.where(labels[..., None] == np.arange(2), 0.2, -0.2)
    logits[4, 2] = [-0.4, 0.4]
    refined = MeanFieldCRF(window=7)([logits[None], image[None]])
    assert np.array_equal(np.asarray(refined)[0].argmax(-1), labels)


def tiny_model(window=13):
    """Image -> 1×1 convolution logits -> MeanFieldCRF, any size."""
    image = keras.Input((None, None, 3))
    logits = keras.layers.Conv2D(3, 1, name="unary")(keras.layers.Rescaling(1 / 255)(image))
    refined = MeanFieldCRF(iterations=2, window=window, name="crf", **THETAS)([logits, image])
    return keras.Model(image, refined)


def test_none_spatial_dimensions_match_the_reference_at_two_sizes():
    keras.utils.set_random_seed(0)
    model = tiny_model(window=15)  # covers 8 × 5 exactly
    unary = keras.Model(model.input, model.get_layer("unary").output)
    rng = np.random.default_rng(0)
    for height, width in [(5, 7), (8, 5)]:
        image = rng.uniform(0, 255, (2, height, width, 3)).astype(np.float32)
        refined = model.predict_on_batch(image)
        logits = unary.predict_on_batch(image)
        assert refined.shape == (2, height, width, 3)
        for i in range(2):
            expected, _ = mean_field(logits[i], image[i], 2, 2.0, (4.0, 60.0), (3.0, 10.0))
            assert np.abs(refined[i] - expected).max() < 1e-4


def test_keras_file_and_saved_model_round_trips(tmp_path):
    import tensorflow as tf

    keras.utils.set_random_seed(1)
    model = tiny_model()
    model.get_layer("crf").compatibility.assign(np.array([[0, 1, 2], [1, 0, 1], [2, 1, 0]]))
    image = np.random.default_rng(1).uniform(0, 255, (2, 6, 7, 3)).astype(np.float32)
    expected = model.predict_on_batch(image)

    config = model.get_layer("crf").get_config()
    assert MeanFieldCRF.from_config(config).get_config() == config
    model.save(tmp_path / "crf.keras")
    reloaded = keras.models.load_model(tmp_path / "crf.keras", safe_mode=True)
    assert np.allclose(reloaded.predict_on_batch(image), expected, atol=1e-5)

    model.export(str(tmp_path / "saved"), format="tf_saved_model", verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "saved"))  # kept: it owns the variables
    served = loaded.serve
    assert np.allclose(served(tf.constant(image)).numpy(), expected, atol=1e-5)
    other_size = image[:, :5, :4]  # the export kept H and W free
    assert np.allclose(served(tf.constant(other_size)).numpy(),
                       model.predict_on_batch(other_size), atol=1e-5)


def test_training_reaches_the_crf_weights():
    import tensorflow as tf

    keras.utils.set_random_seed(2)
    model = tiny_model(window=5)
    image = np.random.default_rng(2).uniform(0, 255, (2, 6, 6, 3)).astype(np.float32)
    target = (image[..., 0] > 128).astype(np.int32)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        value = loss(target, model(image, training=True))
    crf = model.get_layer("crf")
    gradients = tape.gradient(value, [crf.kernel_weights, crf.compatibility])
    for gradient in gradients:
        assert np.all(np.isfinite(gradient)) and np.abs(gradient).max() > 0
