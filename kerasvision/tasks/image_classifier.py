"""ImageClassifier: a classification architecture wrapped for people with image files.

It owns everything between a file and an answer: reading (through kerasvision.io), resizing
(the same graph function the SavedModel uses), normalisation (inside the model graph), class
names (inside the `.keras` file), top-k decoding, metrics, fine-tuning and export.

    clf = ImageClassifier.load()                     # the shipped Fashion-MNIST model
    for result in clf.predict_files(["shoe.png"]):
        print(result.path, result.predictions[0])
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

NAMES_LAYER = "class_names"


@dataclass
class Prediction:
    label: str
    class_id: int
    score: float


@dataclass
class FileResult:
    path: str
    predictions: list = field(default_factory=list)
    error: str = None


class ImageClassifier:
    """A Keras pixel model (input float 0–255 at its native H×W×C) plus its class names."""

    def __init__(self, model, class_names=None):
        import keras

        from kerasvision.layers.class_names import ClassNames

        names_layer = next((l for l in model.layers if isinstance(l, ClassNames)), None)
        if names_layer is not None:
            class_names = class_names or names_layer.names
        elif class_names is not None:
            scores = ClassNames(class_names, name=NAMES_LAYER)(model.outputs[0])
            model = keras.Model(model.inputs, scores, name=model.name)
        classes = int(model.outputs[0].shape[-1])
        self.class_names = list(class_names or (f"class_{i}" for i in range(classes)))
        if len(self.class_names) != classes:
            raise ValueError(f"{len(self.class_names)} class names for a model of {classes} classes")
        self.model = model

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_architecture(cls, name, input_shape, class_names, mean=0.5, std=0.25, **kwargs):
        """A new, untrained classifier on registered architecture `name`."""
        from kerasvision.tasks.pixel_model import pixel_classifier

        model = pixel_classifier(name, tuple(input_shape), len(class_names), mean, std, **kwargs)
        return cls(model, class_names)

    @classmethod
    def load(cls, path=None):
        """Load a `.keras` file (safe mode), or the shipped default when `path` is None."""
        import keras

        import kerasvision.layers  # noqa: F401 - registers our layers for deserialization

        if path is None:
            from kerasvision.tasks.shipped_models import DEFAULT_CLASSIFIER, shipped_model_dir

            path = shipped_model_dir(DEFAULT_CLASSIFIER) / "model.keras"
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such model file")
        try:
            model = keras.saving.load_model(path, safe_mode=True)
        except ValueError as exc:
            if "Lambda" in str(exc) or "safe_mode" in str(exc):
                raise ValueError(f"{path}: refused, the file holds code (a Lambda layer); "
                                 "kerasvision loads .keras files in safe mode only") from None
            raise ValueError(f"{path}: not a loadable Keras model ({exc})") from None
        return cls(model)

    # ---- geometry -----------------------------------------------------------------------
    @property
    def input_size(self):
        return tuple(int(d) for d in self.model.inputs[0].shape[1:3])

    @property
    def channels(self):
        return int(self.model.inputs[0].shape[-1])

    def preprocess(self, images):
        """Resize a list of uint8/float (H, W, C) arrays to the model's size: float (N, h, w, C)."""
        from kerasvision.io.graph_decoding import resize_pixels

        return np.stack([resize_pixels(np.asarray(im, np.float32), self.input_size).numpy()
                         for im in images])

    # ---- inference ----------------------------------------------------------------------
    def scores(self, images, batch_size=64):
        """Class probabilities (N, C) for a list of (H, W, C) arrays (any size, 0–255)."""
        if not len(images):
            return np.zeros((0, len(self.class_names)), np.float32)
        pixels = self.preprocess(images)
        return self.model.predict(pixels, batch_size=batch_size, verbose=0)

    def decode(self, scores, top_k=5):
        """Top-k `Prediction`s per row of `scores`."""
        k = min(top_k, scores.shape[-1])
        order = np.argsort(-scores, axis=-1)[:, :k]
        return [[Prediction(self.class_names[i], int(i), float(row[i])) for i in idx]
                for row, idx in zip(scores, order)]

    def predict(self, images, top_k=5, batch_size=64):
        """Top-k predictions for each image array."""
        return self.decode(self.scores(images, batch_size), top_k)

    def predict_files(self, paths, top_k=5, batch_size=64, on_result=None):
        """Classify image files and folders; yields a FileResult per file, errors included.

        A bad file is a FileResult with `error` (one line naming it); the rest still run.
        """
        from kerasvision.io import read_images

        batch = []

        def flush():
            preds = self.predict([im for _, im in batch], top_k, batch_size)
            out = [FileResult(p, pr) for (p, _), pr in zip(batch, preds)]
            batch.clear()
            return out

        for result in read_images(paths, channels=self.channels):
            if result.error is not None:
                yield FileResult(str(result.path), error=str(result.error))
                continue
            batch.append((str(result.path), result.image))
            if len(batch) >= batch_size:
                yield from flush()
        if batch:
            yield from flush()

    # ---- training -----------------------------------------------------------------------
    def compile(self, learning_rate=1e-3, **kwargs):
        import keras

        self.model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                           loss="sparse_categorical_crossentropy",
                           metrics=["accuracy"], **kwargs)

    def fit(self, x, y=None, **kwargs):
        """keras `fit` on pixels (0–255, model size) and integer labels; compiles if needed."""
        if not self.model.compiled:
            self.compile()
        return self.model.fit(x, y, **kwargs)

    def fit_directory(self, directory, epochs=1, batch_size=32, validation_split=None, **kwargs):
        """Train from a folder of class sub-folders (keras.utils.image_dataset_from_directory)."""
        import keras

        data = keras.utils.image_dataset_from_directory(
            directory, labels="inferred", label_mode="int", class_names=self.class_names,
            color_mode="grayscale" if self.channels == 1 else "rgb",
            image_size=self.input_size, batch_size=batch_size, shuffle=True, seed=0)
        return self.fit(data, epochs=epochs, **kwargs)

    def finetune(self, x, y, class_names, trainable_from=None, learning_rate=1e-4, epochs=1,
                 **kwargs):
        """Replace the classification layer for `class_names`, freeze early layers, train.

        Args:
            trainable_from: name of the first layer left trainable; default: only the new
                classification layer trains.
        """
        import keras

        from kerasvision.layers.class_names import ClassNames

        head = next(l for l in reversed(self.model.layers) if isinstance(l, keras.layers.Dense))
        features = head.input
        new_head = keras.layers.Dense(len(class_names), activation="softmax",
                                      name=f"{head.name}_finetuned")
        scores = ClassNames(class_names, name=f"{NAMES_LAYER}_finetuned")(new_head(features))
        model = keras.Model(self.model.inputs, scores, name=self.model.name)
        trainable = False
        for layer in model.layers:
            if trainable_from is not None and layer.name == trainable_from:
                trainable = True
            layer.trainable = trainable or layer is new_head
        self.model, self.class_names = model, list(class_names)
        self.compile(learning_rate)
        return self.model.fit(x, y, epochs=epochs, **kwargs)

    # ---- evaluation ---------------------------------------------------------------------
    def evaluate(self, x, y, batch_size=256, confusion_png=None):
        """Accuracy, top-5, per-class precision/recall and the confusion matrix (also PNG)."""
        scores = self.model.predict(np.asarray(x, np.float32), batch_size=batch_size, verbose=0)
        return classification_report(scores, np.asarray(y), self.class_names, confusion_png)

    # ---- persistence --------------------------------------------------------------------
    def save(self, path):
        """Save as `.keras` (class names inside), atomically."""
        from kerasvision.tasks.atomic_checkpoint import save_model_atomically

        save_model_atomically(self.model, path)

    def export(self, base, version=None, top_k=5, warmup=True):
        """Write a TF Serving version `BASE/VERSION/`; returns its path."""
        from kerasvision.export.classifier_export import export_classifier

        return export_classifier(self.model, self.class_names, base, version, top_k,
                                 warmup=warmup)


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
