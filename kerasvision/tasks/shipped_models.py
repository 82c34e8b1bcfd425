"""Where the models that ship with kerasvision live, installed or in a source checkout.

A plain `pip install .` carries the repository's `saved_models/` as the package data
`kerasvision/shipped/` (setup.cfg maps it); a source checkout reads `saved_models/` directly.
"""

from pathlib import Path

DEFAULT_CLASSIFIER = "fashion_mnist_classifier"
DEFAULT_DETECTOR = "fashion_scenes_detector"
DEFAULT_SEGMENTER = "fashion_scenes_segmenter"


def shipped_model_dir(name):
    """The folder of shipped model `name`; FileNotFoundError names where it looked."""
    package = Path(__file__).resolve().parent.parent
    candidates = [package / "shipped" / name, package.parent / "saved_models" / name]
    for folder in candidates:
        if (folder / "model.keras").is_file():
            return folder
    raise FileNotFoundError(f"shipped model {name!r} not found (looked in "
                            f"{', '.join(str(c) for c in candidates)}); reinstall kerasvision")
