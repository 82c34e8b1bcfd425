"""A classifier served from an exported SavedModel directory (ours or any with the same
`serving_pixels` signature), so `classify --model BASE/` checks what TF Serving will serve."""

from pathlib import Path

import numpy as np

from kerasvision.tasks.image_classifier import ImageClassifier


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


class SavedModelClassifier(ImageClassifier):
    """ImageClassifier whose scores come from a SavedModel's `serving_pixels` signature."""

    def __init__(self, path):
        import tensorflow as tf

        from kerasvision.export.classifier_export import read_labels

        self.path = resolve_version_dir(path)
        loaded = tf.saved_model.load(str(self.path))
        if "serving_pixels" not in loaded.signatures:
            raise ValueError(f"{self.path}: SavedModel has no serving_pixels signature "
                             "(export it with `kerasvision export`)")
        self._loaded = loaded  # keeps the variables alive
        self._signature = loaded.signatures["serving_pixels"]
        spec = self._signature.structured_input_signature[1]["pixels"]
        self._shape = tuple(int(d) for d in spec.shape[1:])
        self.class_names = read_labels(self.path)
        self.model = None

    @property
    def input_size(self):
        return self._shape[:2]

    @property
    def channels(self):
        return self._shape[2]

    def scores(self, images, batch_size=64):
        if not len(images):
            return np.zeros((0, len(self.class_names)), np.float32)
        pixels = self.preprocess(images)
        return np.concatenate([
            self._signature(pixels=pixels[i:i + batch_size])["scores"].numpy()
            for i in range(0, len(pixels), batch_size)])
