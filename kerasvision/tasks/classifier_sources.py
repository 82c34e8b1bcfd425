"""Where a classifier comes from: the shipped model, a .keras file, a SavedModel directory, or
a registry name (optionally with ImageNet weights or a weights file). Shared by the CLI's
`classify` and `export`."""


def load_classifier(model=None, weights=None, trust_model=False):
    """ImageClassifier from a name/path option; None means the shipped Fashion-MNIST model.

    Legacy `.h5` model files can carry code and load only with `trust_model`.
    """
    from pathlib import Path

    from kerasvision.tasks.image_classifier import ImageClassifier

    if model is None:
        return ImageClassifier.load()
    path = Path(model)
    if path.suffix in (".h5", ".hdf5") and path.is_file():
        if not trust_model:
            raise PermissionError(f"{path}: legacy HDF5 model refused; pass --trust-model if "
                                  "you trust its origin")
        import keras

        import kerasvision.layers  # noqa: F401 - registers our layers

        classifier = ImageClassifier(keras.saving.load_model(path, safe_mode=False))
    elif path.suffix == ".keras" or path.is_file():
        classifier = ImageClassifier.load(path)
    elif path.is_dir():
        from kerasvision.tasks.saved_model_classifier import SavedModelClassifier

        return SavedModelClassifier(path)
    else:
        from kerasvision.tasks.imagenet_classifier import registry_classifier

        classifier = registry_classifier(model, weights)
        weights = None
    if weights:
        from kerasvision.tasks.weight_files import load_weights_file

        load_weights_file(classifier.model, weights, trust_model)
    return classifier
