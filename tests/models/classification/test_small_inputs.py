"""Every classification model builds at Fashion-MNIST's 28×28×1 and CIFAR's 32×32×3 where its
strides allow; the lists derive from the registry, so a new registration is tested too.

The exceptions are the builders whose `min_input_size` (set in their registration) exceeds 28:
AlexNet's 67, tested in test_alexnet.
"""

import numpy as np
import pytest

from kerasvision.models import build_tiny, list_models
from kerasvision.registry import get_spec

CLASSIFICATION = list_models("classification")
NAMES = [n for n in CLASSIFICATION if get_spec(n).builder.min_input_size <= 28]
TOO_SMALL = [n for n in CLASSIFICATION if n not in NAMES]


def _one_per_family():
    """Per family module, the registration with the fewest published parameters."""
    families = {}
    for name in CLASSIFICATION:
        families.setdefault(get_spec(name).builder.__module__, []).append(name)
    return [min(names, key=lambda n: get_spec(n).reference["params"])
            for names in families.values()]


@pytest.mark.parametrize("name", NAMES)
def test_builds_at_28x28x1_and_32x32x3(name):
    for shape in ((28, 28, 1), (32, 32, 3)):
        model = build_tiny(name, input_shape=shape, classes=7)
        outs = model(np.zeros((1, *shape), "float32"))
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        assert all(tuple(o.shape) == (1, 7) for o in outs)


@pytest.mark.parametrize("name", TOO_SMALL)
def test_a_larger_minimum_refuses_28x28_in_one_line(name):
    minimum = get_spec(name).builder.min_input_size
    with pytest.raises(ValueError, match=f"at least {minimum} pixels") as err:
        build_tiny(name, input_shape=(28, 28, 1), classes=7)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("name", _one_per_family())
def test_input_tensor_and_pooling_follow_keras_applications(name):
    import keras

    side = max(32, get_spec(name).builder.min_input_size)
    # A tiny variant with auxiliary heads needs the top these no-top models drop.
    extra = {"aux_logits": False} if "aux_logits" in get_spec(name).tiny else {}
    inputs = keras.Input((side, side, 3))
    features = keras.layers.Rescaling(1 / 255.0)(inputs)
    model = build_tiny(name, input_tensor=features, include_top=False, pooling="max",
                       **extra)
    assert model.inputs[0] is inputs  # the sources of input_tensor become the model inputs
    assert len(model.output_shape) == 2
    avg = build_tiny(name, input_shape=(side, side, 3), include_top=False, pooling="avg",
                     **extra)
    assert avg.output_shape == model.output_shape
    with pytest.raises(ValueError, match="pooling"):
        build_tiny(name, input_shape=(side, side, 3), include_top=False, pooling="median",
                   **extra)
