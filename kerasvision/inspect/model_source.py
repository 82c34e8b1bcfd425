"""`load_model(source)`: a Keras model from a `.keras` file or a registered name."""

import os


def load_model(source, input_shape=None, tiny=False, weights=None):
    """Load `source` (a `.keras` file) or build it (a registered name).

    Args:
        source: path to a `.keras` file, or a name from `kerasvision.models.list_models()`.
        input_shape: (H, W, C) to build the registered model for, or to re-trace a loaded
            model on (so that shapes, fields and MACs are concrete where it takes any size).
        tiny: build the registered model's small test variant.
        weights: for a registered name, "imagenet" (Keras's published weights, where the
            architecture has them) or None (random initialisation).

    Raises:
        ValueError: the file cannot be loaded (one line, names it).
        kerasvision.registry.UnknownModelError: the name is not registered.
    """
    import keras

    if str(source).endswith(".keras") or os.path.isfile(source):
        if not os.path.isfile(source):
            raise ValueError(f"{source}: no such file")
        import kerasvision.layers  # noqa: F401 - registers the custom layers for loading
        from kerasvision.models import list_models
        from kerasvision.models.test_time_views import network_inside_views

        list_models()  # imports every family, registering the layers they define

        try:
            model = keras.saving.load_model(source)
        except Exception as error:  # noqa: BLE001 - any loader failure is a bad file
            from kerasvision.io.model_file_errors import unloadable_model_reason

            raise ValueError(unloadable_model_reason(source, error)) from None
        # The network inside a test-time-augmentation wrapper: what a unit sees is a
        # property of that network, so inspection looks inside it.
        model = network_inside_views(model) or model
        if input_shape is not None:
            model = _retraced(keras, model, tuple(input_shape))
        return model
    if os.path.isdir(source):
        raise ValueError(f"{source}: a directory, not a .keras file or a registered name "
                         "(an exported SavedModel cannot be inspected layer by layer; "
                         "inspect the .keras file it was exported from)")
    from kerasvision.registry import build, build_tiny

    # An unknown name raises UnknownModelError (a usage error: exit code 2 on the CLI).
    overrides = {} if input_shape is None else {"input_shape": tuple(input_shape)}
    if weights is not None:
        overrides["weights"] = weights
    model = (build_tiny if tiny else build)(source, **overrides)
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
