"""Where a classifier comes from: the shipped model, a .keras file, a SavedModel directory, or
a registry name (optionally with ImageNet weights or a weights file). Shared by the CLI's
`classify` and `export` (through `kerasvision.cli.registry_weights`, which decides what a
registry name without `--weights` means)."""


def load_classifier(model=None, weights=None, trust_model=False):
    """ImageClassifier (or SavedModelClassifier) from a name/path option; None: the shipped one.

    For a registry name, `weights` is "imagenet", a weights file, or None (random weights).

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

        # ImageNet weights are built in (their preprocessing and class names come with
        # them); a weights file is loaded below into the randomly initialised network.
        classifier = registry_classifier(model, "imagenet" if weights == "imagenet" else None)
        weights = None if weights == "imagenet" else weights
    if weights:
        from kerasvision.tasks.weight_files import load_weights_file

        load_weights_file(classifier.model, weights, trust_model)
    return classifier
