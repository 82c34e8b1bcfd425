"""Import TensorFlow without its start-up chatter on the user's stderr.

TensorFlow 2.21 writes absl/oneDNN/CUDA lines straight to file descriptor 2 while it loads;
TF_CPP_MIN_LOG_LEVEL does not silence all of them and TF_ENABLE_ONEDNN_OPTS=0 costs about a
quarter of convolution speed on these CPUs. So the CLI points fd 2 at /dev/null for the import
only, and gives the user's stderr back before any of our own messages.
"""

import contextlib
import os
import sys

_done = False


@contextlib.contextmanager
def _stderr_to_devnull():
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow(debug=False):
    """Import tensorflow and keras once; silently unless `debug`. Returns the tf module."""
    global _done
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if _done or debug:
        import tensorflow as tf
        import keras  # noqa: F401
        _done = True
        return tf
    with _stderr_to_devnull():
        import tensorflow as tf
        import keras  # noqa: F401

        tf.config.list_physical_devices()  # the CUDA probe logs here, still silenced
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    _done = True
    return tf
