"""Every model of the classic canon builds at Fashion-MNIST's 28×28×1 and CIFAR's 32×32×3.

AlexNet is the exception its strides force (documented minimum 67×67, tested in test_alexnet).
"""

import numpy as np
import pytest

from kerasvision.models import build_tiny

NAMES = ["lenet5", "vgg11", "vgg13", "vgg16", "vgg19", "googlenet", "resnet18", "resnet34",
         "resnet50", "resnet101", "resnet152", "resnet50_v2", "resnet101_v2", "resnet152_v2",
         "resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "resnet1202",
         "preact_resnet164", "preact_resnet1001", "densenet121", "densenet169", "densenet201",
         "densenet264", "densenet_40_12", "densenet_bc_100_12", "densenet_bc_250_24",
         "densenet_bc_190_40"]


@pytest.mark.parametrize("name", NAMES)
def test_builds_at_28x28x1_and_32x32x3(name):
    for shape in ((28, 28, 1), (32, 32, 3)):
        model = build_tiny(name, input_shape=shape, classes=7)
        outs = model(np.zeros((1, *shape), "float32"))
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        assert all(tuple(o.shape) == (1, 7) for o in outs)


@pytest.mark.parametrize("name", ["lenet5", "vgg11", "googlenet", "resnet18", "resnet20",
                                  "densenet_40_12", "alexnet"])
def test_input_tensor_and_pooling_follow_keras_applications(name):
    import keras

    side = 67 if name == "alexnet" else 32
    extra = {"aux_logits": False} if name == "googlenet" else {}  # its tiny has aux heads
    inputs = keras.Input((side, side, 3))
    features = keras.layers.Rescaling(1 / 255.0)(inputs)
    model = build_tiny(name, input_tensor=features, include_top=False, pooling="max",
                       **extra)
    assert model.inputs[0] is inputs  # the sources of input_tensor become the model inputs
    assert len(model.output_shape) == 2
    avg = build_tiny(name, input_shape=(side, side, 3), include_top=False, pooling="avg",
                     **extra)
    assert avg.output_shape == model.output_shape
    with pytest.raises(ValueError):
        build_tiny(name, input_shape=(side, side, 3), include_top=False, pooling="median",
                   **extra)
