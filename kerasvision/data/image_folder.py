"""A folder of class sub-folders (`DIR/cat/*.jpg`, `DIR/dog/*.jpg`) as arrays for training.

Images are read and resized by an `ImagePreprocessor`, the object `classify` and the serving
signature use, so a model trained from the folder sees the pixels it will be asked about
(docs/architecture.md). Bad files are reported and skipped, never fatal; a fixed, seeded share
of each class is held out for evaluation. For data that does not fit in memory,
`image_folder_dataset` streams the same pixels.
"""

import numpy as np

from kerasvision.data.class_folders import class_folder_files, holdout_split, report_skipped

_CHUNK = 256  # images decoded at their own size before resizing, to bound memory


def load_image_folder(directory, image_size=None, channels=None, holdout=0.2, seed=0,
                      preprocessor=None):
    """(x_train, y_train, x_test, y_test, class_names); images float32 (N, h, w, C), 0–255.

    Args:
        image_size: (height, width); default: the first readable image's size.
        channels: 1 or 3; default: the first readable image's.
        holdout: share of each class held out as the test split.
        preprocessor: an `ImagePreprocessor` to read and resize with; it overrides
            `image_size` and `channels`. Default: a stretching one built from them.
    """
    class_names, files, problems = class_folder_files(directory)
    for problem in problems:
        report_skipped(problem)
    if preprocessor is None:
        preprocessor = _preprocessor_for(directory, files, image_size, channels)
    pixels, labels = [], []
    for start in range(0, len(files), _CHUNK):
        chunk = files[start:start + _CHUNK]
        images = []
        for (path, label), result in zip(chunk, preprocessor.read([p for p, _ in chunk])):
            if result.error is not None:
                report_skipped(result.error)
                continue
            images.append(result.image)
            labels.append(label)
        if images:
            pixels.extend(preprocessor.preprocess(images).pixels)
    train, test = holdout_split(list(enumerate(labels)), holdout, seed)
    if not train or not test:
        raise ValueError(f"{directory}: too few readable images for a train/test split")

    def arrays(entries):
        return (np.stack([pixels[i] for i, _ in entries]),
                np.array([label for _, label in entries], "int32"))

    return (*arrays(train), *arrays(test), class_names)


def _preprocessor_for(directory, files, image_size, channels):
    """A stretching preprocessor of the given geometry, the first readable image's otherwise."""
    from kerasvision.io import ImageReadError, read_image
    from kerasvision.io.image_preprocessor import ImagePreprocessor

    if image_size is not None and channels is not None:
        return ImagePreprocessor(image_size, channels)
    for path, _ in files:
        try:
            image = read_image(path, channels=channels)
        except ImageReadError:
            continue  # reported when the folder is read
        return ImagePreprocessor(image_size or image.shape[:2], channels or image.shape[2])
    raise ValueError(f"{directory}: no readable images")
