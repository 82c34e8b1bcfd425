"""A classifier served from an exported SavedModel directory (ours or any with the same
`serving_pixels` signature), so `classify --model BASE/` checks what TF Serving will serve.

Its own small class, not an ImageClassifier without a model: it predicts (through the same
preprocessor and file loop as the Keras-backed task), and has no fit, save or export.
"""

from pathlib import Path

import numpy as np

from kerasvision.tasks.file_predictions import predict_files
from kerasvision.tasks.image_classifier import DEFAULT_TOP_K, top_k_predictions


def resolve_version_dir(path):
    """`path` itself if it holds saved_model.pb, else its highest numeric version."""
    path = Path(path)
    if (path / "saved_model.pb").is_file():
        return path
    versions = sorted((int(p.name) for p in path.iterdir() if p.is_dir() and p.name.isdigit()),
                      reverse=True) if path.is_dir() else []
    for v in versions:
        if (path / str(v) / "saved_model.pb").is_file():
            return path / str(v)
    raise FileNotFoundError(f"{path}: no saved_model.pb here nor in a numeric version folder")


class SavedModelClassifier:
    """Top-k classes from a SavedModel's `serving_pixels` signature."""

    def __init__(self, path):
        import tensorflow as tf

        from kerasvision.export.task_export import read_export_metadata, read_labels
        from kerasvision.io.image_preprocessor import ImagePreprocessor

        self.path = resolve_version_dir(path)
        loaded = tf.saved_model.load(str(self.path))
        if "serving_pixels" not in loaded.signatures:
            raise ValueError(f"{self.path}: SavedModel has no serving_pixels signature "
                             "(export it with `kerasvision export`)")
        self._loaded = loaded  # keeps the variables alive
        self._signature = loaded.signatures["serving_pixels"]
        spec = self._signature.structured_input_signature[1]["pixels"]
        height, width, channels = (int(d) for d in spec.shape[1:])
        metadata = read_export_metadata(self.path) or {}
        config = metadata.get("preprocessor")
        self.preprocessor = (ImagePreprocessor.from_config(config) if config
                             else ImagePreprocessor((height, width), channels))
        self.class_names = read_labels(self.path)
        # What the classes are, for the in-distribution message (tasks/in_distribution.py).
        self._noun = (metadata.get("in_distribution") or {}).get("noun", "class")

    @property
    def input_size(self):
        return tuple(self.preprocessor.size)

    @property
    def channels(self):
        return self.preprocessor.channels

    def scores(self, images, batch_size=64, exit=None):
        """Class scores (N, C) for a list of (H, W, C) arrays (any size, 0–255); a multi-exit
        export's `scores_exit_<exit>` when `exit` is given (its `scores` are the last exit's)."""
        key = "scores" if exit is None else f"scores_exit_{exit}"
        if key not in self._signature.structured_outputs:
            exits = sum(name.startswith("scores_exit_")
                        for name in self._signature.structured_outputs)
            raise ValueError(f"{self.path}: no exit {exit} (the export has {exits or 1} "
                             f"exit{'s' if exits > 1 else ''})")
        if not len(images):
            return np.zeros((0, len(self.class_names)), np.float32)
        pixels = self.preprocessor.preprocess(list(images)).pixels
        return np.concatenate([
            self._signature(pixels=pixels[i:i + batch_size])[key].numpy()
            for i in range(0, len(pixels), batch_size)])

    def predict(self, images, top_k=DEFAULT_TOP_K, batch_size=64, value_range=None,
                exit=None):
        """Top-k `Prediction`s for each image: what `ImageClassifier.predict` takes."""
        from kerasvision.io.image_inputs import images_as_arrays

        arrays = images_as_arrays(images, self.channels, value_range)
        if exit is None and "in_distribution" in self._signature.structured_outputs:
            return self._predict_with_verdicts(arrays, top_k, batch_size)
        return top_k_predictions(self.scores(arrays, batch_size, exit), self.class_names,
                                 top_k)

    def _predict_with_verdicts(self, images, top_k, batch_size):
        """Top-k answers carrying the export's in-distribution verdict and score."""
        from kerasvision.tasks.image_classifier import Predictions

        if not len(images):
            return []
        pixels = self.preprocessor.preprocess(list(images)).pixels
        parts = [self._signature(pixels=pixels[i:i + batch_size])
                 for i in range(0, len(pixels), batch_size)]
        served = {key: np.concatenate([part[key].numpy() for part in parts])
                  for key in ("scores", "in_distribution", "in_distribution_score")}
        return [Predictions(top, bool(verdict), float(score), self._noun)
                for top, verdict, score in zip(
                    top_k_predictions(served["scores"], self.class_names, top_k),
                    served["in_distribution"], served["in_distribution_score"])]

    def predict_files(self, paths, top_k=DEFAULT_TOP_K, batch_size=64, exit=None):
        """A FileResult per image file under `paths`, errors included."""
        return predict_files(paths, self.preprocessor,
                             lambda images: self.predict(images, top_k, batch_size, exit=exit),
                             batch_size)
