"""Where a classifier comes from: the shipped model, a .keras file, a SavedModel directory, or
a registry name (optionally with ImageNet weights or a weights file). Shared by the CLI's
`classify` and `export`."""


def load_classifier(model=None, weights=None, trust_model=False):
    """ImageClassifier (or SavedModelClassifier) from a name/path option; None: the shipped one.

    Legacy `.h5` model files can carry code and load only with `trust_model`.
    """
    from pathlib import Path

    from kerasvision.tasks.image_classifier import ImageClassifier

    if model is None:
        return ImageClassifier.load()
    path = Path(model)
    if path.is_file() or path.suffix in (".keras", ".h5", ".hdf5"):
        classifier = ImageClassifier.load(path, trust_model)
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
