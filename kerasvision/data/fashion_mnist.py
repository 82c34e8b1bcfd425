"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), read offline from the idx files.

Where the files are looked for, in order: `$KERASVISION_DATA` (a folder holding the four
`*-idx?-ubyte.gz` files, or a `fashion-mnist/` folder with them), the Debian package
`dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist), and finally Keras's downloader,
which needs a network.
"""

import gzip
import os
from pathlib import Path

import numpy as np

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def _candidate_dirs():
    env = os.environ.get("KERASVISION_DATA")
    if env:
        yield Path(env)
        yield Path(env) / "fashion-mnist"
    yield DEBIAN_DIR


def find_fashion_mnist_dir():
    """The first folder holding all four idx files, or None."""
    for folder in _candidate_dirs():
        if all((folder / f).is_file() for pair in FILES.values() for f in pair):
            return folder
    return None


def read_idx(path):
    """Decode one gzipped idx file (LeCun's format: magic, dims, big-endian uint8 data)."""
    with gzip.open(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte idx file")
    ndim = data[3]
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path}: idx header claims {dims} but holds {body.size} bytes")
    return body.reshape(dims)


def load_fashion_mnist():
    """((x_train, y_train), (x_test, y_test)): uint8 images (N, 28, 28) and uint8 labels."""
    folder = find_fashion_mnist_dir()
    if folder is None:
        try:
            import keras

            return keras.datasets.fashion_mnist.load_data()
        except Exception as exc:  # offline and no local copy: say where we looked
            raise FileNotFoundError(
                "Fashion-MNIST not found: install the Debian package dataset-fashion-mnist, "
                "or set KERASVISION_DATA to a folder with the idx .gz files "
                f"(download failed: {exc})") from exc
    out = []
    for split in ("train", "test"):
        images, labels = (read_idx(folder / f) for f in FILES[split])
        out.append((images, labels))
    return tuple(out)
