"""The base every application stands on: ImageClassifier, ObjectDetector, ImageSegmenter.

A task is a Keras model (float pixels 0–255 in, the architecture's outputs out) plus what turns
files into answers around it (docs/architecture.md, "Tasks"):

- metadata: the task kind, class names and the image preprocessor, kept in the `.keras` file
  beside the model (an extra `kerasvision.json` entry in the zip, which Keras ignores), so
  class names no longer depend on the output structure;
- loading in safe mode (Lambda layers refused; legacy `.h5` only when trusted) and one atomic
  save (`kerasvision.io.atomic_path`);
- the batched file loop with per-file errors (`predict_files`);
- per-task `compile` defaults, an `evaluate` report and the TF Serving `export`.

A subclass names its `task`, and implements `compile_defaults`, `decode` (model outputs ->
one answer per image, in original-image terms) and `serving_outputs` (the same in graph ops,
for the SavedModel).
"""

import abc
import json
import zipfile
from pathlib import Path

from kerasvision.tasks.file_predictions import FileResult, predict_files

METADATA_ENTRY = "kerasvision.json"
METADATA_FORMAT = 1

_TASK_CLASSES = {}
# Where each task's class lives, imported on first use (TensorFlow-free until a model loads).
_TASK_MODULES = {"classification": "kerasvision.tasks.image_classifier",
                 "detection": "kerasvision.tasks.object_detector",
                 "segmentation": "kerasvision.tasks.image_segmenter"}


def task_class(task):
    """The Task subclass for a task kind ("classification", ...)."""
    if task not in _TASK_CLASSES and task in _TASK_MODULES:
        import importlib

        importlib.import_module(_TASK_MODULES[task])  # the module registers its class
    if task not in _TASK_CLASSES:
        raise ValueError(f"no application for task {task!r} (have: {', '.join(_TASK_CLASSES)})")
    return _TASK_CLASSES[task]


def read_task_metadata(path):
    """The `kerasvision.json` entry of a `.keras` file, or None for a plain Keras file."""
    try:
        with zipfile.ZipFile(path) as archive:
            if METADATA_ENTRY not in archive.namelist():
                return None
            return json.loads(archive.read(METADATA_ENTRY))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def load_keras_model(path, trust_model=False):
    """A Keras model from `.keras` (safe mode) or, when trusted, legacy `.h5`; one-line errors."""
    import keras

    import kerasvision.layers  # noqa: F401 - registers our layers for deserialization
    import kerasvision.models._families  # noqa: F401 - and our model classes (detectors)
    import kerasvision.models.segmentation.compile_objects  # noqa: F401 - losses, metrics
    import kerasvision.tasks.one_cycle_schedule  # noqa: F401 - a trained model's optimizer
    from kerasvision.io.model_file_errors import unloadable_model_reason

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file")
    if path.suffix in (".h5", ".hdf5"):
        if not trust_model:
            raise PermissionError(f"{path}: legacy HDF5 model refused; pass --trust-model if "
                                  "you trust its origin")
        return keras.saving.load_model(path, safe_mode=False)
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except ValueError as exc:
        if "Lambda" in str(exc) or "safe_mode" in str(exc):
            raise ValueError(f"{path}: refused, the file holds code (a Lambda layer); "
                             "kerasvision loads .keras files in safe mode only") from None
        raise ValueError(unloadable_model_reason(path, exc)) from None
    except Exception as exc:  # noqa: BLE001 - a broken zip is one line for the user
        raise ValueError(unloadable_model_reason(path, exc)) from None


def save_model_atomically(model, path, metadata=None):
    """Save `model` as `.keras` at `path` (replacing it) through a temporary file and a rename.

    `metadata` (a JSON-able dict) is stored as the zip's `kerasvision.json` entry.
    """
    from kerasvision.io.atomic_files import atomic_path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, replace=True) as partial:
        model.save(partial)
        if metadata is not None:
            with zipfile.ZipFile(partial, "a") as archive:
                archive.writestr(METADATA_ENTRY, json.dumps(metadata, indent=2))


class Task(abc.ABC):
    """A Keras pixel model plus its class names and image preprocessor.

    Args:
        model: a Keras model taking float pixels (N, H, W, C) in 0–255.
        class_names: the names of the classes the outputs index; default `class_0`, ...
        preprocessor: an `ImagePreprocessor`; default: stretch to the model's input size.
    """

    task = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.task is not None:
            _TASK_CLASSES.setdefault(cls.task, cls)

    def __init__(self, model, class_names=None, preprocessor=None):
        from kerasvision.io.image_preprocessor import ImagePreprocessor

        self.model = model
        if preprocessor is None:
            height, width, channels = (int(d) for d in model.inputs[0].shape[1:4])
            preprocessor = ImagePreprocessor((height, width), channels)
        self.preprocessor = preprocessor
        classes = self.num_classes
        self.class_names = list(class_names or (f"class_{i}" for i in range(classes)))
        if len(self.class_names) != classes:
            raise ValueError(f"{len(self.class_names)} class names for a model of "
                             f"{classes} classes")

    # ---- what a subclass provides -------------------------------------------------------
    @property
    @abc.abstractmethod
    def num_classes(self):
        """How many classes the model's outputs index (from the model, not the names)."""

    @abc.abstractmethod
    def compile_defaults(self):
        """Keyword arguments for `model.compile` that suit the task."""

    @abc.abstractmethod
    def decode(self, outputs, preprocessed, **options):
        """Model outputs for a batch -> one answer per image, in original-image terms."""

    @abc.abstractmethod
    def serving_outputs(self, outputs, original_sizes, **options):
        """Model outputs -> the SavedModel's named outputs (graph ops, original sizes known)."""

    def serving_forward(self, pixels):
        """The model's outputs inside the SavedModel's functions (graph ops), given to
        `serving_outputs`; a subclass may add to them (the classifier's in-distribution
        score)."""
        return self.model(pixels, training=False)

    def serving_assets(self):
        """Extra files for the export's `assets/` folder, `{name: text}` (none by default)."""
        return {}

    @abc.abstractmethod
    def evaluate(self, *args, **kwargs):
        """The task's evaluation report (a dict of metrics)."""

    # ---- construction and persistence ---------------------------------------------------
    @classmethod
    def load(cls, path, trust_model=False):
        """Load a `.keras` file (safe mode; `.h5` only with `trust_model`) as this task.

        Class names and the preprocessor come from the file's metadata; plain Keras files
        (and files saved before the metadata existed) fall back to the model's own
        `ClassNames` layer and a stretch to its input size.
        """
        model = load_keras_model(path, trust_model)
        metadata = read_task_metadata(path) or {}
        # Files saved before the metadata existed are classifiers (the only task then).
        task = metadata.get("task") or cls.task or "classification"
        if cls.task is not None and task != cls.task:
            raise ValueError(f"{path}: a {task} model, not a {cls.task} model")
        return task_class(task).from_model(model, metadata)

    @classmethod
    def from_model(cls, model, metadata=None):
        """The task around a loaded model and its metadata dict (may be empty)."""
        from kerasvision.io.image_preprocessor import ImagePreprocessor

        metadata = metadata or {}
        config = metadata.get("preprocessor")
        preprocessor = ImagePreprocessor.from_config(config) if config else None
        return cls(model, metadata.get("class_names"), preprocessor)

    def metadata(self):
        """What the `.keras` file and the export carry besides the model."""
        import kerasvision

        return {"format": METADATA_FORMAT, "task": self.task, "class_names": self.class_names,
                "preprocessor": self.preprocessor.get_config(),
                "kerasvision_version": kerasvision.__version__}

    def save(self, path):
        """Save as `.keras` with the task's metadata inside, atomically."""
        save_model_atomically(self.model, path, self.metadata())

    # ---- training -----------------------------------------------------------------------
    def compile(self, **overrides):
        """`model.compile` with the task's defaults, any of them overridden."""
        self.model.compile(**{**self.compile_defaults(), **overrides})

    def fit(self, x, y=None, **kwargs):
        """keras `fit` on pixels (0–255, model size); compiles with the defaults if needed."""
        if not self.model.compiled:
            self.compile()
        return self.model.fit(x, y, **kwargs)

    # ---- inference ----------------------------------------------------------------------
    def predict(self, images, batch_size=64, **options):
        """One answer per image array (any size, 0–255, H×W×C)."""
        if not len(images):
            return []
        preprocessed = self.preprocessor.preprocess(list(images))
        return self.decode(self.forward(preprocessed.pixels, batch_size), preprocessed,
                           **options)

    def forward(self, pixels, batch_size=64):
        """The model's inference outputs (numpy) for a batch of model-size pixels.

        One batch goes through a traced `model(x, training=False)` (traced once per task):
        `model.predict` costs tens of milliseconds per call in its own set-up, which is most
        of the time of a one-image request. Larger inputs go through `predict`'s batching.
        """
        import numpy as np
        import tensorflow as tf

        if len(pixels) > batch_size:
            return self.model.predict(pixels, batch_size=batch_size, verbose=0)
        if getattr(self, "_traced_for", None) is not self.model:  # new, or a replaced model
            model = self.model
            spec = tf.TensorSpec((None, *pixels.shape[1:]), tf.float32)
            self._traced_call = tf.function(lambda x: model(x, training=False),
                                            input_signature=[spec])
            self._traced_for = model
        outputs = self._traced_call(tf.convert_to_tensor(pixels, tf.float32))
        return tf.nest.map_structure(np.asarray, outputs)

    def predict_files(self, paths, batch_size=64, keep_images=False, **options):
        """Answers for image files and folders: a `FileResult` per file, errors included.

        A bad file is a FileResult with `error` (one line naming it); the rest still run.
        `keep_images` attaches each decoded image to its result (to draw on).
        """
        yield from predict_files(paths, self.preprocessor,
                                 lambda images: self.predict(images, batch_size=batch_size, **options),
                                 batch_size, keep_images)

    # ---- export -------------------------------------------------------------------------
    def export(self, base, version=None, warmup=True, **options):
        """Write a TF Serving version `BASE/VERSION/` (never overwriting); returns its path."""
        from kerasvision.export.task_export import export_task

        return export_task(self, base, version, warmup=warmup, **options)


__all__ = ["FileResult", "Task", "load_keras_model", "read_task_metadata",
           "save_model_atomically", "task_class"]
