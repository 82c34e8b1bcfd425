"""Applications: a `Task` base and its subclasses (ImageClassifier, ObjectDetector), plus the
SavedModel-backed classifier.

    from kerasvision.tasks import ImageClassifier
"""

_LAZY = {  # importing kerasvision.tasks must not load TensorFlow
    "ImageClassifier": "kerasvision.tasks.image_classifier",
    "ObjectDetector": "kerasvision.tasks.object_detector",
    "ImageSegmenter": "kerasvision.tasks.image_segmenter",
    "ImagePreprocessor": "kerasvision.io.image_preprocessor",
    "SavedModelClassifier": "kerasvision.tasks.saved_model_classifier",
    "Task": "kerasvision.tasks.task",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


__all__ = list(_LAZY)
