"""applications_builder: keras.applications' signature, written once, as real parameters."""

import inspect

import pytest

from kerasvision.models import list_models
from kerasvision.models.applications_signature import (APPLICATIONS_PARAMETERS,
                                                       ApplicationArguments, applications_builder)
from kerasvision.registry import RegistrationError, get_spec, register_model

KERAS_DEFAULTS = {"include_top": True, "weights": None, "input_tensor": None,
                  "input_shape": None, "pooling": None, "classifier_activation": "softmax"}


@applications_builder(classes=10, default_input_shape=(32, 32, 1), min_input_size=5)
def echo(app, width=1.0, depth=3):
    """Returns what the builder was given."""
    return app, {"width": width, "depth": depth}


def test_signature_is_keras_applications_then_own_arguments():
    parameters = inspect.signature(echo).parameters
    assert list(parameters) == [*APPLICATIONS_PARAMETERS, "width", "depth"]
    assert {k: parameters[k].default for k in KERAS_DEFAULTS} == KERAS_DEFAULTS
    assert parameters["classes"].default == 10 and parameters["name"].default == "echo"
    assert echo.__name__ == "echo" and echo.__doc__ == "Returns what the builder was given."
    assert (echo.default_input_shape, echo.min_input_size) == ((32, 32, 1), 5)


def test_calls_bind_like_the_signature():
    app, own = echo(False, None, None, (8, 8, 3), "avg", width=0.5)  # positional, as Keras
    assert isinstance(app, ApplicationArguments)
    assert (app.include_top, app.input_shape, app.pooling, app.classes, app.name) == \
        (False, (8, 8, 3), "avg", 10, "echo")
    assert (app.default_input_shape, app.min_input_size) == ((32, 32, 1), 5)
    assert own == {"width": 0.5, "depth": 3}
    with pytest.raises(TypeError, match="widht"):
        echo(widht=0.5)


def test_own_arguments_need_defaults_and_other_names():
    with pytest.raises(TypeError, match="'depth'"):
        applications_builder()(lambda app, depth: None)
    with pytest.raises(TypeError, match="'classes'"):
        applications_builder()(lambda app, classes=3: None)


def test_registry_checks_tiny_keys_against_the_real_parameters():
    with pytest.raises(RegistrationError, match="widht"):
        register_model("test_signature_echo", task="classification", paper="p",
                       tiny={"widht": 0.5})(echo)


def test_every_classification_builder_carries_the_signature():
    for name in list_models("classification"):
        builder = get_spec(name).builder
        parameters = inspect.signature(builder).parameters
        assert list(parameters)[:len(APPLICATIONS_PARAMETERS)] == list(APPLICATIONS_PARAMETERS)
        assert {k: parameters[k].default for k in KERAS_DEFAULTS} == KERAS_DEFAULTS, name
        assert builder.min_input_size >= 1 and len(builder.default_input_shape) == 3, name
