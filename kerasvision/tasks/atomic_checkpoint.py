"""A Keras callback that saves the whole model each epoch without ever leaving a torn file.

keras.callbacks.ModelCheckpoint writes the target in place, so a kill mid-write leaves a
half-written `.keras`; here the file is written beside the target and moved over it with
os.replace, which is atomic on POSIX file systems.
"""

import os
from pathlib import Path

import keras


def save_model_atomically(model, path):
    """Save `model` to `path` (.keras) through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.partial.keras")
    model.save(tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class AtomicModelCheckpoint(keras.callbacks.Callback):
    """Save the model to `path` at the end of every epoch, atomically."""

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)

    def on_epoch_end(self, epoch, logs=None):
        save_model_atomically(self.model, self.path)
