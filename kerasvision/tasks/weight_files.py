"""Loading weight files given on the command line, with the trust rule for legacy formats."""

from pathlib import Path


def load_weights_file(model, path, trust_model=False):
    """Load `path` into `model`: `.weights.h5`/`.keras` freely, other `.h5` only when trusted.

    Legacy HDF5 model files can carry serialized code (Lambda layers); kerasvision reads them
    only with an explicit `--trust-model`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such weights file")
    name = path.name
    if name.endswith(".h5") and not name.endswith(".weights.h5") and not trust_model:
        raise PermissionError(f"{path}: legacy .h5 file refused; pass --trust-model if you "
                              "trust its origin")
    try:
        model.load_weights(str(path))
    except Exception as exc:  # noqa: BLE001 - a mismatched file is one line for the user
        raise ValueError(f"{path}: weights do not fit this model ({str(exc).splitlines()[0]})") \
            from None
