"""DeconvNet (Noh et al., ICCV 2015) and SegNet (Badrinarayanan et al., TPAMI 2017): the
mirrored decoders, unpooling with the encoder's switches, odd sizes, and repeated training
through the argmax pooling's gradient."""

import numpy as np
import pytest

import keras
import tensorflow as tf

from kerasvision.layers.max_pooling_with_argmax_2d import MaxPoolingWithArgmax2D
from kerasvision.models.segmentation.deconvnet import deconvnet
from kerasvision.models.segmentation.segnet import segnet
from kerasvision.models.segmentation.vgg16_switch_encoder import decoder_widths


def test_decoder_widths_are_table_1s():
    # Noh et al. 2015, Table 1: deconv5-1..3 512; deconv4-1,2 512, 4-3 256; deconv3-1,2 256,
    # 3-3 128; deconv2-1 128, 2-2 64; deconv1-1,2 64.
    assert [decoder_widths(b) for b in (5, 4, 3, 2, 1)] == [
        [512, 512, 512], [512, 512, 256], [256, 256, 128], [128, 64], [64, 64]]


def test_deconvnet_layout_at_224_is_table_1s():
    # Spatial sizes of Table 1 at the paper's 224×224 input (narrow, so it builds quickly).
    model = deconvnet(width=1 / 64)
    def side(name):
        output = model.get_layer(name).output
        return (output[0] if isinstance(output, list) else output).shape[1]

    sizes = {name: side(name) for name in (
        "block5_pool", "fc6_relu", "fc7_relu", "deconv6_relu", "unpool5", "deconv5_3_relu",
        "unpool4", "unpool3", "unpool2", "unpool1", "deconv1_2_relu", "scores")}
    assert sizes == {"block5_pool": 7, "fc6_relu": 1, "fc7_relu": 1, "deconv6_relu": 7,
                     "unpool5": 14, "deconv5_3_relu": 14, "unpool4": 28, "unpool3": 56,
                     "unpool2": 112, "unpool1": 224, "deconv1_2_relu": 224, "scores": 224}
    assert model.get_layer("fc6").kernel_size == (7, 7)
    assert type(model.get_layer("deconv3_1")).__name__ == "Conv2DTranspose"
    # Batch normalisation after every convolution and deconvolution (13 + 2 + 1 + 13).
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers) == 29
    with pytest.raises(ValueError, match="224×224"):
        deconvnet(input_shape=(256, 256, 3))


def test_unpooling_puts_values_only_where_the_encoder_found_its_maxima():
    keras.utils.set_random_seed(0)
    model = deconvnet(input_shape=(64, 64, 3), classes=3, width=1 / 32, fc_kernel_size=2)
    _, argmax = model.get_layer("block1_pool").output
    probe = keras.Model(model.input, [argmax, model.get_layer("unpool1").output])
    x = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    switches, unpooled = (np.asarray(t) for t in probe(x))
    nonzero = np.flatnonzero(unpooled)
    assert nonzero.size > 0 and np.isin(nonzero, switches).all()
    # One value per 2×2 window at most: a quarter of the map.
    assert nonzero.size <= unpooled.size // 4


@pytest.mark.parametrize("shape", [(33, 47), (1, 1), (64, 30)])
def test_segnet_takes_any_size_including_odd(shape):
    model = segnet(classes=4, width=1 / 32)
    x = np.random.default_rng(1).uniform(0, 255, (3, *shape, 3)).astype("float32")
    scores = np.asarray(model(x))
    assert scores.shape == (3, *shape, 4)
    np.testing.assert_allclose(scores.sum(-1), 1, rtol=1e-5)


def test_segnet_decoder_mirrors_the_encoder_and_ends_in_the_classifier():
    model = segnet(input_shape=(32, 32, 3), classes=5, width=1 / 32)
    decoder = [layer.name for layer in model.layers if layer.name.endswith("_D")]
    assert decoder == ["conv5_3_D", "conv5_2_D", "conv5_1_D", "conv4_3_D", "conv4_2_D",
                       "conv4_1_D", "conv3_3_D", "conv3_2_D", "conv3_1_D", "conv2_2_D",
                       "conv2_1_D", "conv1_2_D", "conv1_1_D"]
    last = model.get_layer("conv1_1_D")
    assert last.filters == 5 and last.kernel_size == (3, 3)
    # No fully connected layers: the encoder is VGG-16's 13 convolutions (§3).
    assert sum(layer.name.startswith("block") and layer.name.endswith(("1", "2", "3"))
               and isinstance(layer, keras.layers.Conv2D) for layer in model.layers) == 13


def test_argmax_pooling_gradient_equals_max_pooling_gradient():
    # tf.nn.max_pool_with_argmax's gradient (MaxPoolGradWithArgmax, batch-inclusive indices)
    # routes each output's gradient to its maximum, as max pooling's own gradient does:
    # checked over batches 1-4, odd sides, overlapping windows and both paddings.
    rng = np.random.default_rng(2)
    for batch, h, w, pool, stride, padding in [(1, 5, 7, 2, 2, "valid"), (2, 9, 4, 3, 2, "same"),
                                               (3, 6, 6, 2, 1, "same"), (4, 11, 3, 2, 2, "same")]:
        x = tf.Variable(rng.permutation(batch * h * w * 2).reshape(batch, h, w, 2)
                        .astype("float32"))  # distinct values: no ties
        upstream = tf.constant(rng.normal(size=(batch, *MaxPoolingWithArgmax2D(
            pool, stride, padding).compute_output_shape((batch, h, w, 2))[0][1:])), "float32")
        with tf.GradientTape(persistent=True) as tape:
            values, _ = MaxPoolingWithArgmax2D(pool, stride, padding)(x)
            reference = tf.nn.max_pool2d(x, pool, stride, padding.upper())
            ours, theirs = (tf.reduce_sum(t * upstream) for t in (values, reference))
        np.testing.assert_array_equal(tape.gradient(ours, x), tape.gradient(theirs, x))


def test_repeated_training_through_argmax_pooling():
    # Full-suite runs once crashed TensorFlow inside a gradient through the argmax pooling.
    # Several models, fitted in one process with batch sizes 1-4 (a last partial batch
    # included), jit_compile requested (the layer turns XLA off) and "auto", odd sizes.
    rng = np.random.default_rng(3)
    runs = [(deconvnet, {"input_shape": (64, 64, 3), "width": 1 / 32, "fc_kernel_size": 2}, True),
            (segnet, {"input_shape": (33, 47, 3), "width": 1 / 32}, "auto")]
    for seed, (builder, kwargs, jit) in enumerate(runs):
        keras.utils.set_random_seed(seed)
        model = builder(classes=3, **kwargs)
        with pytest.warns(UserWarning, match="jit_compile") if jit is True else _no_warning():
            model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy",
                          jit_compile=jit)
        assert model.jit_compile is False
        before = [w.numpy().copy() for w in model.trainable_weights]
        shape = kwargs["input_shape"]
        x = rng.uniform(0, 255, (5, *shape)).astype("float32")
        y = rng.integers(0, 3, (5, *shape[:2]))
        for batch_size in (1, 2, 3, 4):
            history = model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
            assert np.isfinite(history.history["loss"][0])
        moved = [not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights)]
        assert all(moved)


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
