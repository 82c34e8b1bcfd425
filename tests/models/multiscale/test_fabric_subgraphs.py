"""A chain CNN and a U-Net-like encoder-decoder are sub-graphs of a fabric (Saxena & Verbeek,
NIPS 2016, §3, Fig. 1): with the gates of every other edge at zero, the fabric computes the
same function as the network built on its own with the fabric's weights copied.

Weights are random (biases, BN statistics included), so that an edge that leaked through a
closed gate, or a weight copied to the wrong place, shows."""

import numpy as np

import keras
from keras import layers

from kerasvision.models import build

RNG = np.random.default_rng(0)


def _randomize(model):
    for weight in model.weights:
        values = RNG.normal(scale=0.5, size=weight.shape)
        if "variance" in weight.path:
            values = np.abs(values) + 0.5
        weight.assign(values.astype("float32"))


def _open_only(model, path):
    names = {layer.name[len("gate_"):] for layer in model.layers
             if layer.name.startswith("gate_")}
    assert set(path) <= names
    for name in names:
        model.get_layer(f"gate_{name}").gate.assign(1.0 if name in path else 0.0)


def _conv_bn_relu(x, fabric, edge, node, strides=1):
    conv = layers.Conv2D(fabric.get_layer(f"conv_{edge}").filters, 3, strides=strides,
                         padding="same")
    x = conv(x)
    conv.set_weights(fabric.get_layer(f"conv_{edge}").get_weights())
    return _bn_relu(x, fabric, node)


def _bn_relu(x, fabric, node):
    bn = layers.BatchNormalization()
    x = bn(x)
    bn.set_weights(fabric.get_layer(f"{node}_bn").get_weights())
    return layers.Activation("relu")(x)


def _head(x, fabric, name):
    conv = layers.Conv2D(fabric.get_layer(name).filters, 1)
    y = conv(x)
    conv.set_weights(fabric.get_layer(name).get_weights())
    return y


def test_a_chain_cnn_is_a_path_through_the_classification_fabric():
    fabric = build("fabric", input_shape=(16, 16, 3), classes=5, num_layers=4, num_scales=3,
                   channels=3)
    _randomize(fabric)
    # conv, conv, strided conv, strided conv: nodes (1,1) (2,1) (3,2) (4,3), then the head.
    path = ["input_to_l1s1", "l1s1_to_l2s1", "l2s1_to_l3s2", "l3s2_to_l4s3"]
    _open_only(fabric, path)
    images = keras.Input((16, 16, 3))
    x = _conv_bn_relu(images, fabric, path[0], "l1s1")
    x = _conv_bn_relu(x, fabric, path[1], "l2s1")
    x = _conv_bn_relu(x, fabric, path[2], "l3s2", strides=2)
    x = _conv_bn_relu(x, fabric, path[3], "l4s3", strides=2)
    x = layers.GlobalAveragePooling2D()(_head(x, fabric, "class_scores"))
    chain = keras.Model(images, layers.Activation("softmax")(x))
    assert len(chain.layers) == 1 + 4 * 3 + 3  # a plain chain of layers
    x = RNG.uniform(size=(3, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(fabric(x)), np.asarray(chain(x)), rtol=1e-5,
                               atol=1e-6)
    # The other edges do matter once open: a detour (1,1) -> (2,2) -> (3,2) changes it.
    for edge in ("l1s1_to_l2s2", "l2s2_to_l3s2"):
        fabric.get_layer(f"gate_{edge}").gate.assign(1.0)
    assert not np.allclose(np.asarray(fabric(x)), np.asarray(chain(x)), atol=1e-4)


def test_a_unet_like_encoder_decoder_is_a_subgraph_of_the_segmentation_fabric():
    fabric = build("fabric_segmentation", input_shape=(16, 16, 3), classes=4, num_layers=5,
                   num_scales=3, channels=3)
    _randomize(fabric)
    encoder = ["input_to_l1s1", "l1s1_to_l2s2", "l2s2_to_l3s3"]
    skip2 = ["l2s2_to_l3s2"]  # the skip at 1/2 passes one (convolved) layer
    skip1 = ["l1s1_to_l2s1", "l2s1_to_l3s1", "l3s1_to_l4s1"]
    decoder = ["l3s3_to_l4s2", "l3s2_to_l4s2", "l4s2_to_l5s1", "l4s1_to_l5s1"]
    _open_only(fabric, encoder + skip2 + skip1 + decoder)

    # U-Net's decoder convolves [up-sampled, skip] concatenated; a fabric node sums one
    # convolution of each, which is the same with the two kernels stacked along the input
    # channels and the two biases added.
    def decode(coarse, skip, up_edge, skip_edge, node):
        both = layers.Concatenate()([layers.UpSampling2D(2)(coarse), skip])
        (k_up, b_up), (k_skip, b_skip) = (fabric.get_layer(f"conv_{e}").get_weights()
                                          for e in (up_edge, skip_edge))
        conv = layers.Conv2D(k_up.shape[-1], 3, padding="same")
        x = conv(both)
        conv.set_weights([np.concatenate([k_up, k_skip], axis=2), b_up + b_skip])
        return _bn_relu(x, fabric, node)

    images = keras.Input((16, 16, 3))
    e1 = _conv_bn_relu(images, fabric, encoder[0], "l1s1")
    e2 = _conv_bn_relu(e1, fabric, encoder[1], "l2s2", strides=2)
    bottom = _conv_bn_relu(e2, fabric, encoder[2], "l3s3", strides=2)
    s2 = _conv_bn_relu(e2, fabric, skip2[0], "l3s2")
    s1 = e1
    for edge, node in zip(skip1, ("l2s1", "l3s1", "l4s1")):
        s1 = _conv_bn_relu(s1, fabric, edge, node)
    d2 = decode(bottom, s2, decoder[0], decoder[1], "l4s2")
    d1 = decode(d2, s1, decoder[2], decoder[3], "l5s1")
    unet = keras.Model(images, _head(d1, fabric, "pixel_scores"))
    x = RNG.uniform(size=(2, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(fabric(x)), np.asarray(unet(x)), rtol=1e-5,
                               atol=1e-5)
