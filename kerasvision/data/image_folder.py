"""A folder of class sub-folders (`DIR/cat/*.jpg`, `DIR/dog/*.jpg`) as arrays for training.

Images are read through kerasvision.io (bad files are reported and skipped, never fatal) and
resized to one size; a fixed, seeded share is held out for evaluation. For data that does not
fit in memory, `ImageClassifier.fit_directory` streams with image_dataset_from_directory.
"""

import sys
from pathlib import Path

import numpy as np


def load_image_folder(directory, image_size=None, channels=None, holdout=0.2, seed=0):
    """(x_train, y_train, x_test, y_test, class_names); images uint8 (N, H, W, C).

    Args:
        image_size: (height, width); default: the first image's size.
        channels: 1 or 3; default: the first image's.
        holdout: share of each class held out as the test split.
    """
    from kerasvision.io import read_images, resize_image

    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a folder of class sub-folders")
    class_names = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(class_names) < 2:
        raise ValueError(f"{root}: needs at least two class sub-folders, found {len(class_names)}")
    rng = np.random.default_rng(seed)
    splits = {"train": ([], []), "test": ([], [])}
    for label, name in enumerate(class_names):
        images = []
        for result in read_images([root / name], channels=channels):
            if result.error is not None:
                print(f"kerasvision: skipped {result.error}", file=sys.stderr)
                continue
            if channels is None:
                channels = result.image.shape[2]
            image_size = image_size or result.image.shape[:2]
            images.append(resize_image(result.image, image_size))
        order = rng.permutation(len(images))
        n_test = int(round(holdout * len(images)))
        for i, index in enumerate(order):
            xs, ys = splits["test" if i < n_test else "train"]
            xs.append(images[index])
            ys.append(label)
    (x_train, y_train), (x_test, y_test) = splits["train"], splits["test"]
    if not x_train or not x_test:
        raise ValueError(f"{root}: too few readable images for a train/test split")
    return (np.stack(x_train), np.array(y_train, "int32"), np.stack(x_test),
            np.array(y_test, "int32"), class_names)
