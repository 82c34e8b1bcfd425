"""Applications: ImageClassifier (ObjectDetector and ImageSegmenter are later issues).

    from kerasvision.tasks import ImageClassifier
"""


def __getattr__(name):  # lazy: importing kerasvision.tasks must not load TensorFlow
    if name == "ImageClassifier":
        from kerasvision.tasks.image_classifier import ImageClassifier

        return ImageClassifier
    raise AttributeError(name)


__all__ = ["ImageClassifier"]
