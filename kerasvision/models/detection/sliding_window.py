"""Sliding-window detection: any image classifier run on every window of an image.

Windows of several sizes and aspect ratios slide over the image `stride` pixels apart; each
crop is resized to the classifier's input and classified, in batches; a window becomes a
detection of class c when c's score reaches `score_threshold` (and, with a background class,
when c beats every other class and the background); greedy non-maximum suppression per class
keeps the best of overlapping windows. This is the detector of Rowley, Baluja & Kanade (Neural
Network-Based Face Detection, PAMI 1998), Viola & Jones (Rapid Object Detection using a Boosted
Cascade of Simple Features, CVPR 2001) and Dalal & Triggs (Histograms of Oriented Gradients for
Human Detection, CVPR 2005), with a convolutional network as the window classifier (Vaillant,
Monrocq & LeCun, Original approach for the localisation of objects in images, IEE Proc. Vision,
Image and Signal Processing 1994). Its cost is one classifier run per window; the windows'
shared convolutions are computed once by `dense_to_conv` (OverFeat), and `subwindow_search`
finds the best box of any size without enumerating windows (Lampert et al. 2008).

Boxes are xyxy pixels of the input image, ends exclusive; the prediction is the detection dict
of `kerasvision.models.contracts.detection`. Crops are handed to the classifier as they are in
the image: a kerasvision ImageClassifier's model takes 0-255 pixels, a bare registered network
whatever it was trained on.
"""

import json
import math
from pathlib import Path

import numpy as np

import keras

from kerasvision.models.detection.keras_cv_adapter import non_max_suppression
from kerasvision.models.pipeline_classifier import classifier_model
from kerasvision.registry import register_model

SETTINGS_FILE = "sliding_window.json"
CLASSIFIER_FILE = "classifier.keras"
PAPER = ("Vaillant, Monrocq & LeCun, Original approach for the localisation of objects in "
         "images, IEE Proc. Vision, Image and Signal Processing 1994; Rowley, Baluja & Kanade, "
         "Neural Network-Based Face Detection, PAMI 1998")


def window_shapes(sizes, aspect_ratios):
    """(height, width) of each window: side s and aspect ratio r (width / height) give
    height s / sqrt(r) and width s * sqrt(r), rounded (keras-cv's anchor convention)."""
    shapes = []
    for size in sizes:
        for ratio in aspect_ratios:
            shape = (max(1, round(size / math.sqrt(ratio))), max(1, round(size * math.sqrt(ratio))))
            if shape not in shapes:
                shapes.append(shape)
    return shapes


def window_boxes(height, width, shape, stride):
    """xyxy boxes (N, 4) float32 of the `shape` windows inside a `height` x `width` image,
    `stride` pixels apart, row-major; none when the window does not fit."""
    ys, xs = np.meshgrid(np.arange(0, height - shape[0] + 1, stride),
                         np.arange(0, width - shape[1] + 1, stride), indexing="ij")
    corners = np.stack([xs.ravel(), ys.ravel()], axis=-1)
    return np.concatenate([corners, corners + shape[::-1]], axis=-1).astype("float32")


class SlidingWindowDetector:
    """Detections of a window classifier slid over the image.

    Args:
        classifier: a keras.Model from `(h, w, C)` crops to class scores `(K,)`
            (probabilities, or logits with `from_logits`), or an object holding one as
            `.model` (a kerasvision ImageClassifier).
        window_sizes: window sides in pixels (default: the classifier's input height).
        aspect_ratios: width / height of the windows, each combined with each size.
        stride: pixels between neighbouring windows.
        background_class: index of the classifier's background class, or None when every
            class is an object class (then only `score_threshold` decides). The object classes
            are the others, renumbered from 0 in their order.
        score_threshold: least class score of a detection.
        iou_threshold: non-max suppression's overlap threshold, per class.
        max_detections: detections kept per image (the rows of the output).
        batch_size: crops per classifier call.
        from_logits: apply a softmax to the classifier's outputs.
    """

    bounding_box_format = "xyxy"

    def __init__(self, classifier, window_sizes=None, aspect_ratios=(1.0,), stride=8,
                 background_class=None, score_threshold=0.5, iou_threshold=0.3,
                 max_detections=100, batch_size=256, from_logits=False):
        classifier = self.classifier = classifier_model(classifier)
        self.input_size = tuple(int(d) for d in classifier.inputs[0].shape[1:3])
        scores = int(classifier.outputs[0].shape[-1])
        if background_class is not None and not 0 <= background_class < scores:
            raise ValueError(f"background_class {background_class} outside the classifier's "
                             f"{scores} classes")
        self.window_sizes = tuple(int(s) for s in (window_sizes or self.input_size[:1]))
        self.aspect_ratios = tuple(float(r) for r in aspect_ratios)
        self.stride = int(stride)
        self.background_class = None if background_class is None else int(background_class)
        self.num_classes = scores - (background_class is not None)
        self.score_threshold = float(score_threshold)
        self.iou_threshold = float(iou_threshold)
        self.max_detections = int(max_detections)
        self.batch_size = int(batch_size)
        self.from_logits = bool(from_logits)

    def settings(self):
        """Everything but the classifier, as JSON-ready values."""
        return {"window_sizes": list(self.window_sizes), "aspect_ratios": list(self.aspect_ratios),
                "stride": self.stride, "background_class": self.background_class,
                "score_threshold": self.score_threshold, "iou_threshold": self.iou_threshold,
                "max_detections": self.max_detections, "batch_size": self.batch_size,
                "from_logits": self.from_logits}

    def windows(self, height, width):
        """xyxy boxes (N, 4) of every window of every shape in a `height` x `width` image."""
        boxes = [window_boxes(height, width, shape, self.stride)
                 for shape in window_shapes(self.window_sizes, self.aspect_ratios)]
        return np.concatenate(boxes) if boxes else np.zeros((0, 4), "float32")

    def crops(self, image, windows):
        """The crops of `windows` resized to the classifier's input: (N, h, w, C) float32."""
        import tensorflow as tf

        out = np.empty((len(windows), *self.input_size, image.shape[-1]), "float32")
        shapes = np.stack([windows[:, 3] - windows[:, 1], windows[:, 2] - windows[:, 0]],
                          axis=-1).astype(int)
        for shape in np.unique(shapes, axis=0):
            index = np.flatnonzero(np.all(shapes == shape, axis=-1))
            crops = np.stack([image[y1:y2, x1:x2] for x1, y1, x2, y2
                              in windows[index].astype(int)])
            if tuple(shape) != self.input_size:
                # Antialiased: a large window shrunk to the input must not alias.
                crops = tf.image.resize(crops, self.input_size, antialias=True).numpy()
            out[index] = crops
        return out

    def window_scores(self, image):
        """(windows (N, 4), class scores (N, K)) of one image `(H, W, C)`."""
        windows = self.windows(*image.shape[:2])
        scores = np.zeros((len(windows), int(self.classifier.outputs[0].shape[-1])), "float32")
        for start in range(0, len(windows), self.batch_size):
            part = slice(start, start + self.batch_size)
            scores[part] = np.asarray(self.classifier(self.crops(image, windows[part]),
                                                      training=False))
        if self.from_logits:
            scores = np.asarray(keras.ops.softmax(scores, axis=-1))
        return windows, scores

    def detect(self, image):
        """(boxes (n, 4), confidence (n,), classes (n,)) of one image, best first."""
        windows, scores = self.window_scores(image)
        found = []
        objects = [c for c in range(scores.shape[1]) if c != self.background_class]
        best = scores.argmax(axis=-1)
        for label, c in enumerate(objects):
            candidate = scores[:, c] >= self.score_threshold
            if self.background_class is not None:
                candidate &= best == c  # the window's class, background included, is c
            index = np.flatnonzero(candidate)
            kept = non_max_suppression(windows[index], scores[index, c],
                                       iou_threshold=self.iou_threshold,
                                       max_output=self.max_detections)
            found += [(scores[i, c], label, i) for i in index[kept]]
        # Best first; a stable order for ties (class, then window index).
        found.sort(key=lambda d: (-d[0], d[1], d[2]))
        found = found[:self.max_detections]
        return (windows[[i for _, _, i in found]].reshape(-1, 4),
                np.array([s for s, _, _ in found], "float32"),
                np.array([label for _, label, _ in found], "float32"))

    def predict(self, images):
        """The detection dict (`kerasvision.models.contracts.detection`) of `(B, H, W, C)`."""
        images = np.asarray(images, "float32")
        rows = self.max_detections
        out = {"boxes": np.full((len(images), rows, 4), -1.0, "float32"),
               "confidence": np.full((len(images), rows), -1.0, "float32"),
               "classes": np.full((len(images), rows), -1.0, "float32"),
               "num_detections": np.zeros(len(images), "int32")}
        for i, image in enumerate(images):
            boxes, confidence, classes = self.detect(image)
            n = len(boxes)
            out["boxes"][i, :n], out["confidence"][i, :n], out["classes"][i, :n] = \
                boxes, confidence, classes
            out["num_detections"][i] = n
        return out

    def save(self, directory):
        """Write the classifier (`.keras`) and the settings (JSON) to `directory`."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.classifier.save(directory / CLASSIFIER_FILE)
        (directory / SETTINGS_FILE).write_text(json.dumps(self.settings(), indent=1))

    @classmethod
    def load(cls, directory):
        """The detector written by `save(directory)`; the classifier loads in safe mode."""
        import kerasvision.layers  # noqa: F401  (registers the package's layers for loading)

        directory = Path(directory)
        classifier = keras.saving.load_model(directory / CLASSIFIER_FILE)
        return cls(classifier, **json.loads((directory / SETTINGS_FILE).read_text()))


@register_model(
    "sliding_window", task="detection", kind="pipeline", paper=PAPER,
    # A modern LeNet-5 over background and two object classes, windows of two sizes and two
    # aspect ratios on the contract's 48 x 48 scene; threshold 0 so that windows are kept.
    tiny={"classifier": "lenet5",
          "classifier_options": {"input_shape": (32, 32, 3), "classes": 3, "modern": True},
          "window_sizes": (24, 40), "aspect_ratios": (1.0, 0.5), "stride": 8,
          "background_class": 0, "score_threshold": 0.0, "max_detections": 10})
def sliding_window(classifier="lenet5", classifier_options=None, window_sizes=None,
                   aspect_ratios=(1.0,), stride=8, background_class=None, score_threshold=0.5,
                   iou_threshold=0.3, max_detections=100, batch_size=256, from_logits=False):
    """Sliding-window detection with any classifier (a registered name or a keras.Model).

    Args:
        classifier: a registered classification name, built with `classifier_options`, or a
            keras.Model / ImageClassifier (see SlidingWindowDetector).
        classifier_options: builder arguments of a registered classifier.
        Others: see SlidingWindowDetector.
    """
    return SlidingWindowDetector(classifier_model(classifier, classifier_options), window_sizes,
                                 aspect_ratios, stride, background_class, score_threshold,
                                 iou_threshold, max_detections, batch_size, from_logits)
