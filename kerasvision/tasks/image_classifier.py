"""ImageClassifier: a classification architecture wrapped for people with image files.

A `Task` (tasks/task.py) whose answer per image is its top-k classes. Reading, resizing and
the file loop come from the base and the shared ImagePreprocessor; normalisation sits inside
the model graph; class names are task metadata in the `.keras` file.

    clf = ImageClassifier.load()                     # the shipped Fashion-MNIST model
    for result in clf.predict_files(["shoe.png"]):
        print(result.path, result.predictions[0])
"""

from dataclasses import dataclass

import numpy as np

from kerasvision.tasks.file_predictions import FileResult
from kerasvision.tasks.task import Task


@dataclass
class Prediction:
    label: str
    class_id: int
    score: float


class Predictions(list):
    """One image's top-k `Prediction`s, best first. With a calibrated in-distribution score
    (tasks/in_distribution.py) it also says whether the image is like the training data:
    `in_distribution` (bool, None when the classifier has no calibration), its score, and
    `noun`, what the classes are ("garment"), for messages."""

    def __init__(self, predictions=(), in_distribution=None, in_distribution_score=None,
                 noun="class"):
        super().__init__(predictions)
        self.in_distribution = in_distribution
        self.in_distribution_score = in_distribution_score
        self.noun = noun


# How many classes an answer lists, in the Python API and `kerasvision classify` alike.
DEFAULT_TOP_K = 5


def top_k_predictions(scores, class_names, top_k=DEFAULT_TOP_K):
    """Top-k `Prediction`s per row of class scores (N, C), best first."""
    scores = np.asarray(scores)
    k = min(top_k, scores.shape[-1])
    order = np.argsort(-scores, axis=-1)[:, :k]
    return [[Prediction(class_names[i], int(i), float(row[i])) for i in idx]
            for row, idx in zip(scores, order)]


def class_names_in_model(model):
    """Names kept by a `ClassNames` layer (how files saved before task metadata carry them)."""
    from kerasvision.layers.class_names import ClassNames

    layer = next((l for l in model.layers if isinstance(l, ClassNames)), None)
    return None if layer is None else list(layer.names)


class ImageClassifier(Task):
    """A Keras pixel model (float 0–255 at its native H×W×C -> class scores) plus class names."""

    task = "classification"

    def __init__(self, model, class_names=None, preprocessor=None, in_distribution=None,
                 single_view_in_distribution=None):
        super().__init__(model, class_names or class_names_in_model(model), preprocessor)
        # An `InDistributionScore` (tasks/in_distribution.py), or None: no such test.
        self.in_distribution = in_distribution
        # For a model with test-time views: the score calibrated on one view's features
        # (what `single_view()` runs), or None.
        self.single_view_in_distribution = single_view_in_distribution

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_architecture(cls, name, input_shape, class_names, mean=0.5, std=0.25, **kwargs):
        """A new, untrained classifier on registered architecture `name`."""
        from kerasvision.tasks.pixel_model import pixel_classifier

        model = pixel_classifier(name, tuple(input_shape), len(class_names), mean, std, **kwargs)
        return cls(model, class_names)

    @classmethod
    def load(cls, path=None, trust_model=False):
        """Load a `.keras` file (safe mode), or the shipped default when `path` is None."""
        if path is None:
            from kerasvision.tasks.shipped_models import DEFAULT_CLASSIFIER, shipped_model_dir

            path = shipped_model_dir(DEFAULT_CLASSIFIER) / "model.keras"
        return super().load(path, trust_model)

    # ---- in-distribution score (tasks/in_distribution.py) ---------------------------------
    @classmethod
    def from_model(cls, model, metadata=None):
        from kerasvision.tasks.in_distribution import in_distribution_from_config

        task = super().from_model(model, metadata)
        config = (metadata or {}).get("in_distribution")
        task.in_distribution = in_distribution_from_config(config) if config else None
        config = (metadata or {}).get("single_view_in_distribution")
        task.single_view_in_distribution = (in_distribution_from_config(config) if config
                                            else None)
        return task

    def metadata(self):
        metadata = super().metadata()
        if self.in_distribution is not None:
            metadata["in_distribution"] = self.in_distribution.get_config()
        if self.single_view_in_distribution is not None:
            metadata["single_view_in_distribution"] = self.single_view_in_distribution.get_config()
        return metadata

    # ---- test-time views (models/test_time_views.py) ---------------------------------------
    @property
    def has_views(self):
        """Whether the model averages its scores over test-time views (mirror image or
        translations)."""
        from kerasvision.models.test_time_views import network_inside_views

        return network_inside_views(self.model) is not None

    def single_view(self):
        """This classifier on one view: the network inside its test-time-augmentation
        wrapper, with the in-distribution score calibrated on one view's features (none if
        the file has no such calibration); `self` when the model has no views.

        The shipped classifier's five views cost five forward passes for +0.04 points of test
        accuracy (its model card), so `kerasvision classify` runs one view unless --tta.
        """
        from kerasvision.models.test_time_views import network_inside_views

        network = network_inside_views(self.model)
        if network is None:
            return self
        return ImageClassifier(network, self.class_names, self.preprocessor,
                               self.single_view_in_distribution)

    def forward(self, pixels, batch_size=64):
        """Class probabilities, or `ScoredOutputs` (probabilities and the in-distribution
        score) when the classifier is calibrated."""
        if self.in_distribution is None:
            return super().forward(pixels, batch_size)
        from kerasvision.tasks.in_distribution import ScoredOutputs

        scored = self.in_distribution.scored(self.model)
        return ScoredOutputs(*scored.predict(pixels, batch_size))

    def serving_forward(self, pixels):
        if self.in_distribution is None:
            return super().serving_forward(pixels)
        from kerasvision.tasks.in_distribution import ScoredOutputs

        return ScoredOutputs(*self.in_distribution.scored(self.model).graph_call(pixels))

    # ---- geometry -----------------------------------------------------------------------
    @property
    def num_classes(self):
        return int(self.model.outputs[0].shape[-1])

    @property
    def input_size(self):
        return tuple(self.preprocessor.size)

    @property
    def channels(self):
        return self.preprocessor.channels

    def preprocess(self, images):
        """Images (lists of (H, W, C) arrays, any size) as the model's float pixels (N, h, w, C)."""
        return self.preprocessor.preprocess(list(images)).pixels

    # ---- inference ----------------------------------------------------------------------
    def scores(self, images, batch_size=64, exit=None):
        """Class probabilities (N, C) for a list of (H, W, C) arrays (any size, 0–255); of
        exit `exit` (from 1; default the last) for a multi-exit model."""
        from kerasvision.tasks.multi_exit_outputs import exit_outputs

        if not len(images):
            return np.zeros((0, self.num_classes), np.float32)
        return exit_outputs(self.model.predict(self.preprocess(images), batch_size=batch_size,
                                               verbose=0), exit)

    def decode(self, outputs, preprocessed=None, top_k=DEFAULT_TOP_K, exit=None):
        """Top-k `Prediction`s per row of class scores (`Predictions` with the
        in-distribution verdict when `outputs` are `ScoredOutputs`); a multi-exit model's
        from exit `exit` (from 1; default the last)."""
        from kerasvision.tasks.in_distribution import ScoredOutputs
        from kerasvision.tasks.multi_exit_outputs import exit_outputs

        outputs = exit_outputs(outputs, exit)
        if not isinstance(outputs, ScoredOutputs):
            return top_k_predictions(outputs, self.class_names, top_k)
        passes = self.in_distribution.passes(outputs.score)
        return [Predictions(top, bool(ok), float(score), self.in_distribution.noun)
                for top, ok, score in zip(
                    top_k_predictions(outputs.probabilities, self.class_names, top_k),
                    passes, outputs.score)]

    def predict(self, images, top_k=DEFAULT_TOP_K, batch_size=64, value_range=None,
                exit=None):
        """Top-k `Prediction`s for each image, in order.

        `images`: one image or a list: paths, encoded bytes, PIL images, arrays (H, W) or
        (H, W, C) with 1, 3 or 4 channels, or a batch (N, H, W, C); converted to the model's
        channels as `classify` converts files (`kerasvision.io.image_inputs`). Array pixels
        are 0–255; floats all within 0–1 raise a ValueError unless `value_range` says which
        range they are in, e.g. `value_range=(0, 1)`. `exit`: for a multi-exit (anytime)
        model such as `msdnet`, the exit to answer from, counted from 1 (default the last);
        the whole network still runs.
        """
        from kerasvision.io.image_inputs import images_as_arrays

        arrays = images_as_arrays(images, self.channels, value_range)
        return super().predict(arrays, batch_size, top_k=top_k, exit=exit)

    def predict_files(self, paths, top_k=DEFAULT_TOP_K, batch_size=64, exit=None):
        """Classify image files and folders; yields a FileResult per file, errors included,
        in the order the files are given (folders walked in sorted order); `exit` as for
        `predict`."""
        return super().predict_files(paths, batch_size, top_k=top_k, exit=exit)

    def serving_outputs(self, outputs, original_sizes, top_k=5):
        """`scores` [N, C], `classes` [N, K] (top-k ids) and `labels` [N, K] for TF Serving;
        a multi-exit model's from its last exit, plus `scores_exit_1` ... `scores_exit_K`."""
        import tensorflow as tf

        from kerasvision.tasks.in_distribution import ScoredOutputs
        from kerasvision.tasks.multi_exit_outputs import exit_outputs, exit_score_outputs

        per_exit = exit_score_outputs(outputs)
        outputs = exit_outputs(outputs)
        scored = outputs if isinstance(outputs, ScoredOutputs) else None
        outputs = outputs.probabilities if scored else outputs
        k = min(int(top_k), self.num_classes)
        top = tf.math.top_k(outputs, k=k)
        classes = tf.cast(top.indices, tf.int32)
        labels = tf.constant([str(n) for n in self.class_names])
        served = {"scores": outputs, "classes": classes, "labels": tf.gather(labels, classes)}
        if scored:  # [N] float32 and [N] bool: the energy score and its verdict
            served["in_distribution_score"] = scored.score
            served["in_distribution"] = scored.score >= self.in_distribution.threshold
        return {**served, **per_exit}

    # ---- training -----------------------------------------------------------------------
    def compile_defaults(self):
        import keras

        return {"optimizer": keras.optimizers.Adam(1e-3),
                "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}

    def compile(self, learning_rate=1e-3, **overrides):
        import keras

        super().compile(**{"optimizer": keras.optimizers.Adam(learning_rate), **overrides})

    def fit_directory(self, directory, epochs=1, batch_size=32, **kwargs):
        """Train from a folder of class sub-folders, read and resized as `classify` reads them."""
        from kerasvision.data.image_folder_dataset import image_folder_dataset

        data = image_folder_dataset(directory, self.preprocessor, self.class_names,
                                    batch_size=batch_size, shuffle=True, seed=0)
        return self.fit(data, epochs=epochs, **kwargs)

    def finetune(self, x, y, class_names, trainable_from=None, learning_rate=1e-4, epochs=1,
                 **kwargs):
        """Replace the classification layer for `class_names`, freeze early layers, train.

        Args:
            trainable_from: name of the first layer left trainable; default: only the new
                classification layer trains.
        """
        import keras

        # A ClassNames layer (files from before task metadata) is an identity: skip past it.
        head = next(l for l in reversed(self.model.layers) if isinstance(l, keras.layers.Dense))
        new_head = keras.layers.Dense(len(class_names), activation="softmax",
                                      name=f"{head.name}_finetuned")
        model = keras.Model(self.model.inputs, new_head(head.input), name=self.model.name)
        trainable = False
        for layer in model.layers:
            if trainable_from is not None and layer.name == trainable_from:
                trainable = True
            layer.trainable = trainable or layer is new_head
        self.model, self.class_names = model, list(class_names)
        self.in_distribution = None  # calibrated for the old classes: no longer valid
        self.single_view_in_distribution = None
        self.compile(learning_rate)
        return self.model.fit(x, y, epochs=epochs, **kwargs)

    # ---- evaluation ---------------------------------------------------------------------
    def evaluate(self, x, y, batch_size=256, confusion_png=None, exit=None):
        """Accuracy, top-5, per-class precision/recall and the confusion matrix (also PNG); a
        multi-exit model's of exit `exit` (from 1; default the last)."""
        from kerasvision.tasks.multi_exit_outputs import exit_outputs

        scores = exit_outputs(self.model.predict(np.asarray(x, np.float32),
                                                 batch_size=batch_size, verbose=0), exit)
        return classification_report(scores, np.asarray(y), self.class_names, confusion_png)


def classification_report(scores, labels, class_names, confusion_png=None):
    """Metrics dict from class scores (N, C) and integer labels (N,)."""
    classes = len(class_names)
    predicted = scores.argmax(-1)
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    top5 = np.argsort(-scores, -1)[:, :min(5, classes)]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.diag(confusion) / confusion.sum(0)
        recall = np.diag(confusion) / confusion.sum(1)
    report = {
        "accuracy": float((predicted == labels).mean()),
        "top5_accuracy": float((top5 == labels[:, None]).any(-1).mean()),
        "per_class": {name: {"precision": float(np.nan_to_num(p)), "recall": float(np.nan_to_num(r))}
                      for name, p, r in zip(class_names, precision, recall)},
        "confusion_matrix": confusion.tolist(),
    }
    if confusion_png:
        from kerasvision.inspect import plot_confusion_matrix

        plot_confusion_matrix(confusion, class_names, confusion_png)
    return report


__all__ = ["DEFAULT_TOP_K", "FileResult", "ImageClassifier", "Prediction", "classification_report",
           "top_k_predictions"]
