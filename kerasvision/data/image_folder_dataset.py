"""A folder of class sub-folders streamed as tf.data batches, for data that does not fit in memory.

Each file is decoded by the preprocessor's `read` (the PIL reader `classify` uses, EXIF
orientation included) and resized by its `graph_place` (the resize of `preprocess` and of the
serving signature), so training sees exactly the pixels inference will (docs/architecture.md).
Unreadable files are skipped and reported once on stderr, however many epochs run.
"""

import os

import numpy as np
import tensorflow as tf

from kerasvision.data.class_folders import class_folder_files, holdout_split, report_skipped
from kerasvision.data.pipeline_options import without_autotuning

SUBSETS = ("training", "validation", "both")


def image_folder_dataset(directory, preprocessor, class_names=None, batch_size=32,
                         shuffle=True, seed=0, validation_split=None, subset=None):
    """Batches (pixels float32 (B, h, w, C) 0–255, labels int32 (B,)) from `DIR/<class>/*`.

    Args:
        directory: the folder holding one sub-folder per class.
        preprocessor: the `ImagePreprocessor` that reads and resizes.
        class_names: classes in label order; default: the sorted sub-folders.
        batch_size: images per batch (the last one may be smaller).
        shuffle: reshuffle the files every epoch (seeded by `seed`).
        seed: seeds the shuffle and the validation split.
        validation_split: share of each class (0–1) held out for validation, or None.
        subset: with `validation_split`: "training", "validation", or "both" for a
            (training, validation) pair of datasets.

    Raises:
        FileNotFoundError: `directory` is not a folder.
        ValueError: no image files, or `subset` does not fit `validation_split`.
    """
    if (validation_split is None) != (subset is None) or subset not in (None, *SUBSETS):
        raise ValueError(f"validation_split and subset go together (subset one of {SUBSETS}); "
                         f"got {validation_split!r} and {subset!r}")
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be between 0 and 1, got {validation_split!r}")
    _, files, problems = class_folder_files(directory, class_names)
    reported = set()
    for problem in problems:
        _report_once(problem, reported)
    if not files:
        raise ValueError(f"{directory}: no image files")

    def dataset(entries):
        return _stream(entries, preprocessor, batch_size, shuffle, seed, reported)

    if validation_split is None:
        return dataset(files)
    training, validation = holdout_split(files, validation_split, seed)
    if subset == "both":
        return dataset(training), dataset(validation)
    return dataset(training if subset == "training" else validation)


def _stream(entries, preprocessor, batch_size, shuffle, seed, reported):
    if not entries:
        raise ValueError("a subset without images; lower validation_split or add images")
    channels = preprocessor.channels
    empty = np.zeros((0, 0, channels), np.uint8)  # stands for an unreadable file

    def read(path):
        path = os.fsdecode(path.numpy())
        result = next(iter(preprocessor.read([path])))
        if result.error is not None:
            _report_once(result.error, reported)
            return empty
        return result.image

    def decode(path, label):
        image = tf.py_function(read, [path], tf.uint8)
        image.set_shape([None, None, channels])
        return image, label

    def place(image, label):
        return preprocessor.graph_place(image)[0], label

    paths = tf.constant([os.fspath(path) for path, _ in entries])
    labels = tf.constant([label for _, label in entries], tf.int32)
    data = tf.data.Dataset.from_tensor_slices((paths, labels))
    if shuffle:
        data = data.shuffle(len(entries), seed=seed, reshuffle_each_iteration=True)
    # Decoding stays sequential: the PIL reader sets process-wide state while it decodes.
    return without_autotuning(data.map(decode)
                              .filter(lambda image, label: tf.size(image) > 0)
                              .map(place, num_parallel_calls=tf.data.AUTOTUNE)
                              .batch(batch_size)
                              .prefetch(tf.data.AUTOTUNE))


def _report_once(error, reported):
    if error.path not in reported:
        reported.add(error.path)
        report_skipped(error)
