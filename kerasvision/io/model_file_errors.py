"""Why a model file cannot be loaded, in kerasvision's words.

Keras's own messages give Python-API advice (`keras.layers.TFSMLayer(...)`,
`weights=<path>`) that means nothing to someone at the command line; these say what the
file is and what kerasvision reads instead.
"""

import os
import zipfile

# What Keras says when the file is neither a `.keras` zip nor HDF5 (a SavedModel's .pb, an
# image, a text file).
_NOT_A_MODEL_FILE = "File format not supported"


def unloadable_model_reason(path, error):
    """One line: `PATH: why it is not a loadable Keras model`."""
    text = str(error).strip()
    if str(path).endswith(".keras") and os.path.isfile(path) and not zipfile.is_zipfile(path):
        # Keras says "File not found ... accessible .keras zip file" about a file it found.
        return f"{path}: not a .keras file (a .keras file is a zip archive; this is not one)"
    if _NOT_A_MODEL_FILE in text:
        return (f"{path}: not a Keras model file (kerasvision reads .keras files, and .h5 "
                "with --trust-model; an exported SavedModel is used as its directory, "
                "classify --model DIR)")
    first = text.splitlines()[0] if text else ""
    # Keras appends whole configs to some messages: keep the part a person can read, and
    # never its Python-API advice.
    first = first.split(" In order to reload")[0]
    first = first if len(first) <= 200 else first[:200] + " ..."
    return f"{path}: not a loadable Keras model ({type(error).__name__}: {first})"
