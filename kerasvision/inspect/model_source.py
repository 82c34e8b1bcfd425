"""`load_model(source)`: a Keras model from a `.keras` file or a registered name."""

import os


def load_model(source, input_shape=None, tiny=False):
    """Load `source` (a `.keras` file) or build it (a registered name).

    Args:
        source: path to a `.keras` file, or a name from `kerasvision.models.list_models()`.
        input_shape: (H, W, C) to build the registered model for, or to re-trace a loaded
            model on (so that shapes, fields and MACs are concrete where it takes any size).
        tiny: build the registered model's small test variant.

    Raises:
        ValueError: the file cannot be loaded or the name is unknown (one line, names it).
    """
    import keras

    if str(source).endswith(".keras") or os.path.isfile(source):
        if not os.path.isfile(source):
            raise ValueError(f"{source}: no such file")
        import kerasvision.layers  # noqa: F401 - registers the custom layers for loading
        from kerasvision.models import list_models

        list_models()  # imports every family, registering the layers they define

        try:
            model = keras.saving.load_model(source)
        except Exception as error:  # noqa: BLE001 - any loader failure is a bad file
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ValueError(f"{source}: cannot load as a Keras model "
                             f"({type(error).__name__}: {first})") from error
        model = _single_view(keras, model)
        if input_shape is not None:
            model = _retraced(keras, model, tuple(input_shape))
        return model
    from kerasvision.registry import UnknownModelError, build, build_tiny

    overrides = {} if input_shape is None else {"input_shape": tuple(input_shape)}
    try:
        return (build_tiny if tiny else build)(source, **overrides)
    except UnknownModelError as error:
        raise ValueError(str(error)) from error


def _single_view(keras, model):
    """The network inside a flip-averaging wrapper (tasks/flip_averaging.py), else `model`.

    The wrapper runs one nested network on an image and on its mirror image; what a unit sees
    is a property of that network, so inspection looks inside it.
    """
    from kerasvision.layers.horizontal_flip import HorizontalFlip

    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    if len(nested) == 1 and any(isinstance(layer, HorizontalFlip) for layer in model.layers):
        return nested[0]
    return model


def _retraced(keras, model, input_shape):
    # The same layers (same names and weights) on a concrete input shape; a model that cannot
    # be cloned is nested instead (its layers are then listed as `model/layer`).
    inputs = keras.Input(input_shape)
    try:
        clone = keras.models.clone_model(model, input_tensors=inputs)
        clone.set_weights(model.get_weights())
        return clone
    except Exception:  # noqa: BLE001
        return keras.Model(inputs, model(inputs), name=model.name)
