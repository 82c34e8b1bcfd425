"""The classifier inside a pipeline, given as a registered name, a Keras model or a task.

Pipelines that run an image classifier on many crops (sliding-window detection, patch-wise
segmentation) accept it in three forms; this turns each into the `keras.Model` they call.
"""

import keras

from kerasvision.registry import build


def classifier_model(classifier, options=None):
    """The keras.Model of `classifier`.

    Args:
        classifier: a registered classification name (built with `options`), a keras.Model,
            or an object holding one as `.model` (a kerasvision ImageClassifier, whose model
            takes 0-255 pixels).
        options: builder arguments of a registered name; only with a name.
    """
    if isinstance(classifier, str):
        return build(classifier, **(options or {}))
    if options:
        raise ValueError("classifier options are builder arguments: give them with a "
                         "registered name, not with a built model")
    if not isinstance(classifier, keras.Model) and hasattr(classifier, "model"):
        return classifier.model
    if not isinstance(classifier, keras.Model):
        raise TypeError(f"a classifier is a registered name, a keras.Model or an object with "
                        f".model, got {type(classifier).__name__}")
    return classifier
