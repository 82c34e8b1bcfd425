"""A sliding-window detector over a tiny window classifier: the contract's pipeline example.

Every `window` x `window` crop on a `stride` grid is classified (class 0 is background);
crops whose best object class scores at least `score_threshold` become detections, and
greedy non-max suppression (through the keras-cv adapter) keeps the best of overlapping ones.
Only the classifier is trained; `save` writes it as a `.keras` file beside the settings.
"""

import json
from pathlib import Path

import numpy as np

import keras

from kerasvision.models.detection.keras_cv_adapter import non_max_suppression

SETTINGS_FILE = "sliding_window.json"
CLASSIFIER_FILE = "classifier.keras"


class SlidingWindowDetector:
    """Detections from a window classifier slid over the image (a contract example).

    Args:
        classifier: keras.Model from `(window, window, C)` crops to softmax scores over
            background (index 0) and `num_classes` object classes.
        stride: step between windows, in pixels.
        score_threshold: least object score of a detection.
        iou_threshold: non-max suppression's overlap threshold.
        max_detections: detections kept per image.
    """

    bounding_box_format = "xyxy"

    def __init__(self, classifier, stride=8, score_threshold=0.3, iou_threshold=0.3,
                 max_detections=10):
        self.classifier = classifier
        self.window = int(classifier.inputs[0].shape[1])
        self.num_classes = int(classifier.outputs[0].shape[-1]) - 1
        self.stride = int(stride)
        self.score_threshold = float(score_threshold)
        self.iou_threshold = float(iou_threshold)
        self.max_detections = int(max_detections)

    def windows(self, height, width):
        """xyxy boxes of every window inside a `height` x `width` image, row-major."""
        ys, xs = np.meshgrid(np.arange(0, height - self.window + 1, self.stride),
                             np.arange(0, width - self.window + 1, self.stride), indexing="ij")
        corners = np.stack([xs.ravel(), ys.ravel()], axis=-1)
        return np.concatenate([corners, corners + self.window], axis=-1).astype("float32")

    def predict(self, images):
        """The detection dict (`kerasvision.models.contracts.detection`) of `(B, H, W, C)`."""
        images = np.asarray(images, "float32")
        windows = self.windows(*images.shape[1:3])
        crops = np.stack([image[int(y1):int(y2), int(x1):int(x2)]
                          for image in images for x1, y1, x2, y2 in windows])
        # One classifier call for all crops of all images.
        scores = np.asarray(self.classifier(crops, training=False))[:, 1:]
        scores = scores.reshape(len(images), len(windows), self.num_classes)
        out = {"boxes": np.full((len(images), self.max_detections, 4), -1.0, "float32"),
               "confidence": np.full((len(images), self.max_detections), -1.0, "float32"),
               "classes": np.full((len(images), self.max_detections), -1.0, "float32"),
               "num_detections": np.zeros(len(images), "int32")}
        for i, image_scores in enumerate(scores):
            best = image_scores.max(axis=-1)
            kept = non_max_suppression(windows, best, iou_threshold=self.iou_threshold,
                                       max_output=self.max_detections,
                                       score_threshold=self.score_threshold)
            n = len(kept)
            out["boxes"][i, :n] = windows[kept]
            out["confidence"][i, :n] = best[kept]
            out["classes"][i, :n] = image_scores[kept].argmax(axis=-1)
            out["num_detections"][i] = n
        return out

    def save(self, directory):
        """Write the classifier (`.keras`) and the sliding settings (JSON) to `directory`."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.classifier.save(directory / CLASSIFIER_FILE)
        settings = {"stride": self.stride, "score_threshold": self.score_threshold,
                    "iou_threshold": self.iou_threshold, "max_detections": self.max_detections}
        (directory / SETTINGS_FILE).write_text(json.dumps(settings))

    @classmethod
    def load(cls, directory):
        """The detector written by `save(directory)` (the classifier loads in safe mode)."""
        directory = Path(directory)
        classifier = keras.saving.load_model(directory / CLASSIFIER_FILE)
        return cls(classifier, **json.loads((directory / SETTINGS_FILE).read_text()))


def window_classifier(window=16, channels=3, num_classes=2, filters=4):
    """A conv, global pooling and softmax over background and `num_classes` objects."""
    crops = keras.Input((window, window, channels))
    x = keras.layers.Conv2D(filters, 3, activation="relu")(crops)
    x = keras.layers.GlobalAveragePooling2D()(x)
    scores = keras.layers.Dense(num_classes + 1, activation="softmax")(x)
    return keras.Model(crops, scores, name="window_classifier")


def sliding_window_detector(window=16, num_classes=2, filters=4, stride=8,
                            score_threshold=0.3):
    """Sliding-window detection over a tiny untrained window classifier."""
    return SlidingWindowDetector(window_classifier(window, 3, num_classes, filters), stride=stride,
                                 score_threshold=score_threshold)
