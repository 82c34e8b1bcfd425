"""Receptive fields: the lecture's growth rules, Yu & Koltun's dilated stack, and an empirical
check against the input-gradient extent of units of random networks."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import keras
import tensorflow as tf

from kerasvision.inspect.layer_receptive_field import receptive_field
from kerasvision.inspect.model_trace import trace_model
from kerasvision.layers.max_pooling_with_argmax_2d import MaxPoolingWithArgmax2D
from kerasvision.layers.max_unpooling_2d import MaxUnpooling2D

L = keras.layers


def _sizes(model):
    return {t.name: t.field.size[0] for t in trace_model(model) if t.field is not None}


def test_stacked_3x3_convolutions_grow_by_two_per_layer():
    inputs = keras.Input((64, 64, 1))
    x = inputs
    for i in range(5):
        x = L.Conv2D(2, 3, padding="same", name=f"c{i}")(x)
    sizes = _sizes(keras.Model(inputs, x))
    assert [sizes[f"c{i}"] for i in range(5)] == [3, 5, 7, 9, 11]


def test_strided_layers_grow_geometrically():
    inputs = keras.Input((256, 256, 1))
    x = inputs
    for i in range(5):
        x = L.Conv2D(2, 3, strides=2, padding="same", name=f"c{i}")(x)
    model = keras.Model(inputs, x)
    # r_l = r_{l-1} + 2 * 2^{l-1}: 3, 7, 15, 31, 63 (= 2^{l+1} - 1); jump doubles.
    assert [receptive_field(model, f"c{i}").size for i in range(5)] == [
        (3, 3), (7, 7), (15, 15), (31, 31), (63, 63)]
    assert receptive_field(model, "c4").jump == (32, 32)


def test_dilated_context_module_matches_yu_koltun():
    # Yu & Koltun, Multi-Scale Context Aggregation by Dilated Convolutions, ICLR 2016, Table 1.
    inputs = keras.Input((None, None, 1))
    x = inputs
    for i, d in enumerate((1, 1, 2, 4, 8, 16, 1)):
        x = L.Conv2D(1, 3, dilation_rate=d, padding="same", name=f"ctx{i}")(x)
    sizes = _sizes(keras.Model(inputs, x))
    assert [sizes[f"ctx{i}"] for i in range(7)] == [3, 5, 9, 17, 33, 65, 67]


def test_lecture_16x16_filter_gives_one_output_seeing_everything():
    inputs = keras.Input((16, 16, 256))
    x = L.Conv2D(8, 16, name="fc_as_conv")(inputs)
    field = receptive_field(keras.Model(inputs, x))
    assert field.size == (16, 16) and field.box(0, 0) == ((0, 15), (0, 15))


def test_conv1d_pooling_and_causal_padding():
    inputs = keras.Input((50, 2))
    x = L.Conv1D(2, 5, padding="causal", name="causal")(inputs)
    x = L.MaxPooling1D(2, name="pool")(x)
    x = L.Conv1D(2, 3, dilation_rate=2, name="dil")(x)
    model = keras.Model(inputs, x)
    causal = receptive_field(model, "causal")
    assert causal.size == (5,) and causal.box(0) == ((-4, 0),)  # sees only the past
    assert receptive_field(model, "pool").size == (6,)
    assert receptive_field(model, "dil").size == (6 + 4 * 2,)


def test_merge_takes_the_larger_branch_and_nested_models_are_traced():
    inner_in = keras.Input((None, None, 4))
    inner = keras.Model(inner_in, L.Conv2D(4, 5, padding="same", name="c5")(inner_in),
                        name="block")
    inputs = keras.Input((32, 32, 4))
    a = L.Conv2D(4, 3, padding="same", name="c3")(inputs)
    b = inner(inputs)
    x = L.Add(name="add")([a, b])
    x = L.Activation("relu", name="relu")(x)
    x = L.Dropout(0.1, name="drop")(x)
    y = L.Concatenate(name="cat")([x, L.Conv2D(4, 1, name="c1")(inputs)])
    model = keras.Model(inputs, y)
    names = [t.name for t in trace_model(model)]
    assert "block/c5" in names
    assert receptive_field(model, "add").size == (5, 5)
    assert receptive_field(model, "drop").size == (5, 5)
    assert receptive_field(model, "cat").size == (5, 5)


def test_unknown_layer_name_lists_the_layers():
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, L.Conv2D(1, 3, name="only")(inputs))
    with pytest.raises(ValueError, match="no layer 'nope'.*only"):
        receptive_field(model, "nope")


# --- empirical: the input pixels whose gradient is nonzero ---------------------------------

def _positive_weights(model, seed=0):
    # Positive weights and no nonlinearity: no accidental cancellation in the gradient.
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(0.5, 1.5, size=w.shape).astype("float32")
                       for w in model.get_weights()])


def _perturbation_extent(model, index, input_shape, layer_name, batch=800):
    """The input pixels that move `layer_name`'s unit at `index`: its empirical receptive field.

    Forward passes only (a one-hot image per pixel; the model is linear with positive
    weights, so a pixel moves the unit iff it is in the field, as its gradient would say).
    Measuring by backpropagation crashed TensorFlow intermittently in full-suite runs on this
    CPU (oneDNN convolution and MaxPoolWithArgmax gradient kernels), so no backprop here."""
    probe = keras.Model(model.inputs, model.get_layer(layer_name).output)
    height, width, _ = input_shape
    base = np.asarray(probe(np.zeros((1, *input_shape), "float32")))[0, index[0], index[1]].sum()
    moved = []
    for start in range(0, height * width, batch):
        pixels = np.arange(start, min(start + batch, height * width))
        images = np.zeros((len(pixels), height * width, input_shape[2]), "float32")
        images[np.arange(len(pixels)), pixels, :] = 1.0
        out = np.asarray(probe(images.reshape(len(pixels), *input_shape)))
        moved.append(pixels[out[:, index[0], index[1]].sum(axis=-1) - base > 1e-6])
    rows, cols = np.divmod(np.concatenate(moved), width)
    if rows.size == 0:
        return None
    return (rows.min(), rows.max()), (cols.min(), cols.max())


def _strided_dilated_net():
    inputs = keras.Input((96, 96, 2))
    x = L.Conv2D(3, 3, padding="same", name="c1")(inputs)
    x = L.Conv2D(3, 5, strides=2, padding="same", name="c2")(x)
    x = L.AveragePooling2D(3, strides=2, padding="same", name="pool")(x)
    x = L.ZeroPadding2D(((1, 2), (2, 1)), name="pad")(x)
    x = L.Conv2D(3, 3, dilation_rate=2, name="dil")(x)
    branch = L.Conv2D(3, 1, strides=4, name="skip")(inputs)
    branch = L.Cropping2D(((0, 1), (1, 0)), name="crop")(branch)
    x = L.Concatenate(name="cat")([x, branch[:, :x.shape[1], :x.shape[2]]])
    x = L.Conv2D(3, 3, strides=1, padding="valid", name="c3")(x)
    return keras.Model(inputs, x), (96, 96, 2)


@pytest.mark.parametrize("layer_name,dilated", [("c2", False), ("pool", False), ("dil", True),
                                                ("c3", True)])
def test_box_equals_empirical_extent_strided_dilated(layer_name, dilated):
    model, shape = _strided_dilated_net()
    _positive_weights(model)
    field = receptive_field(model, layer_name)
    out_shape = model.get_layer(layer_name).output.shape
    centre = (out_shape[1] // 2, out_shape[2] // 2)
    assert _perturbation_extent(model, centre, shape, layer_name) == field.box(*centre)
    if dilated:
        return  # at the border a dilated filter's holes can skip the first real pixels
    # At the corner the field is cut by the border (padding): the clipped box still matches.
    assert (_perturbation_extent(model, (0, 0), shape, layer_name)
            == field.clipped_box((0, 0), shape[:2]))


def _upsampling_net():
    inputs = keras.Input((48, 48, 1))
    x = L.Conv2D(2, 3, strides=2, padding="same", name="down")(inputs)
    x = L.Conv2DTranspose(2, 4, strides=2, padding="same", name="up_t")(x)
    x = L.Conv2D(2, 3, strides=2, padding="same", name="down2")(x)
    x = L.UpSampling2D(2, interpolation="bilinear", name="up_b")(x)
    x = L.Conv2D(2, 3, strides=2, padding="same", name="down3")(x)
    pooled, argmax = MaxPoolingWithArgmax2D(2, name="pool")(x)
    x = MaxUnpooling2D(2, name="unpool")([pooled, argmax])
    x = L.UpSampling2D(2, name="up_n")(x)
    return keras.Model(inputs, x), (48, 48, 1)


# Max pooling routes the gradient to one input of its window only, so after it the gradient
# extent is smaller than the (data-independent) field: there only containment is checked.
@pytest.mark.parametrize("layer_name,exact", [("up_t", True), ("up_b", True), ("up_n", False)])
def test_upsampling_fields_contain_the_empirical_extent(layer_name, exact):
    model, shape = _upsampling_net()
    _positive_weights(model, seed=1)
    field = receptive_field(model, layer_name)
    out = model.get_layer(layer_name).output.shape
    largest = 0
    for i in range(out[1] // 2 - 4, out[1] // 2 + 4):
        j = out[2] // 2
        extent = _perturbation_extent(model, (i, j), shape, layer_name)
        if extent is None:
            continue
        (r0, r1), (c0, c1) = extent
        (b0, b1), (d0, d1) = field.box(i, j)
        # Units of an upsampled map see different amounts; each lies within its box...
        assert b0 <= r0 and r1 <= b1 and d0 <= c0 and c1 <= d1
        largest = max(largest, r1 - r0 + 1)
    # ...and the largest of them is the reported size.
    assert largest == field.size[0] if exact else 0 < largest <= field.size[0]


# Araujo, Norris & Sim, Computing Receptive Fields of Convolutional Neural Networks, Distill
# 2019, Table 1 (sizes only: the start depends on each implementation's padding).
@pytest.mark.parametrize("builder,layer_name,size", [
    ("VGG16", "block5_pool", 212),
    ("ResNet50", "conv5_block3_out", 483),
    ("MobileNet", "conv_pw_13_relu", 315),
])
def test_published_receptive_fields_of_keras_applications(builder, layer_name, size):
    model = getattr(keras.applications, builder)(weights=None)
    field = receptive_field(model, layer_name)
    assert field.size == (size, size) and field.jump == (32, 32)


def test_default_is_the_model_output_even_from_a_nested_model():
    inner_in = keras.Input((None, None, 1))
    inner = keras.Model(inner_in, L.Conv2D(1, 7, name="c7")(inner_in), name="inner")
    inputs = keras.Input((32, 32, 1))
    model = keras.Model(inputs, inner(L.Conv2D(1, 3, name="c3")(inputs)))
    assert receptive_field(model).size == (9, 9)
    assert receptive_field(model, "inner/c7").size == (9, 9)


class _Subsample(keras.layers.Layer):
    """LeNet-style subsampling: a window of `pool_size`, stride = window, no `strides` attr."""

    def __init__(self, pool_size, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = pool_size

    def call(self, x):
        return keras.ops.average_pool(x, self.pool_size, strides=self.pool_size)


class _Shrink(keras.layers.Layer):
    """Changes the spatial size in a way the tracer cannot know."""

    def call(self, x):
        return x[:, ::2, ::2, :]


def test_custom_layers_by_what_they_declare():
    inputs = keras.Input((32, 32, 1))
    x = L.Conv2D(1, 5, name="c1")(inputs)
    x = _Subsample(2, name="s2")(x)
    x = L.Activation(keras.activations.tanh, name="squash")(x)
    model = keras.Model(inputs, _Shrink(name="shrink")(x))
    assert receptive_field(model, "s2").size == (6, 6)
    assert receptive_field(model, "s2").jump == (2, 2)
    assert receptive_field(model, "squash").size == (6, 6)
    with pytest.raises(ValueError, match="_Shrink is not a layer kerasvision knows"):
        receptive_field(model, "shrink")


_LAYER_SPECS = st.tuples(st.sampled_from(["conv", "avgpool"]), st.integers(1, 5),
                         st.integers(1, 3), st.integers(1, 3), st.sampled_from(["valid", "same"]))


@settings(max_examples=10, deadline=None, derandomize=True)
@given(specs=st.lists(_LAYER_SPECS, min_size=1, max_size=4))
def test_random_stacks_match_the_empirical_extent(specs):
    inputs = keras.Input((80, 80, 1))
    x = inputs
    for k, (kind, size, stride, dilation, padding) in enumerate(specs):
        reach = (size - 1) * (dilation if kind == "conv" and stride == 1 else 1) + 1
        # A kernel wider than what is left of the image is degenerate (oneDNN aborts on it).
        assume(min(x.shape[1:3]) >= reach)
        try:
            if kind == "conv":
                x = L.Conv2D(1, size, strides=stride, padding=padding, name=f"l{k}",
                             dilation_rate=1 if stride > 1 else dilation)(x)
            else:
                x = L.AveragePooling2D(size, strides=stride, padding=padding, name=f"l{k}")(x)
        except ValueError:
            assume(False)  # the stack shrank the image to nothing
        assume(min(x.shape[1:3]) >= 1)
    model = keras.Model(inputs, x)
    _positive_weights(model)
    field = receptive_field(model)
    centre = (x.shape[1] // 2, x.shape[2] // 2)
    box = field.box(*centre)
    # Inside the image (at the border, dilated holes may skip the first real pixels).
    assume(box[0][0] >= 0 and box[0][1] <= 79)
    assert _perturbation_extent(model, centre, (80, 80, 1), f"l{len(specs) - 1}") == box
