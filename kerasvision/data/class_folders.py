"""A folder of class sub-folders (`DIR/cat/*.jpg`, `DIR/dog/*.jpg`): its classes and files.

Shared by the in-memory loader (`image_folder`) and the streaming one (`image_folder_dataset`)
so both see the same classes, files and problems.
"""

import sys
from pathlib import Path

import numpy as np


def class_folder_files(directory, class_names=None):
    """The image files of each class sub-folder, listed through `kerasvision.io`.

    Args:
        directory: the folder holding one sub-folder per class.
        class_names: the classes in label order (each a sub-folder name); default: the
            visible sub-folders, sorted, at least two.

    Returns:
        (class_names, files, problems): `files` a list of (path, label) in class order and
        sorted within a class; `problems` the `ImageReadError`s of paths that cannot be used
        (a missing class folder, one without images), to report and skip.

    Raises:
        FileNotFoundError: `directory` is not a folder.
        ValueError: fewer than two sub-folders to infer classes from.
    """
    from kerasvision.io import iter_image_files

    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a folder of class sub-folders")
    if class_names is None:
        class_names = sorted(p.name for p in root.iterdir()
                             if p.is_dir() and not p.name.startswith("."))
        if len(class_names) < 2:
            raise ValueError(f"{root}: needs at least two class sub-folders, found "
                             f"{len(class_names)}")
    files, problems = [], []
    for label, name in enumerate(class_names):
        for path, error in iter_image_files([root / str(name)]):
            if error is None:
                files.append((path, label))
            else:
                problems.append(error)
    return list(class_names), files, problems


def holdout_split(entries, share, seed):
    """(kept, held_out) lists of (item, label) entries: a seeded `share` of each class held out.

    Per class, so small classes keep their proportion in both parts; the draw is the one the
    in-memory loader has always made (one permutation per class, in class order).
    """
    rng = np.random.default_rng(seed)
    kept, held_out = [], []
    for label in sorted({label for _, label in entries}):
        members = [entry for entry in entries if entry[1] == label]
        order = rng.permutation(len(members))
        count = int(round(share * len(members)))
        held_out.extend(members[i] for i in order[:count])
        kept.extend(members[i] for i in order[count:])
    return kept, held_out


def report_skipped(error):
    """One line on stderr for a file or folder left out."""
    print(f"kerasvision: skipped {error}", file=sys.stderr)
