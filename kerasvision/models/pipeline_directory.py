"""A pipeline's save directory, written all or nothing.

A pipeline (docs/architecture.md, the "pipeline" kind) saves several files: its trained parts
and its settings. They are written under a hidden name beside the target and the directory is
renamed into place at the end, so a reader never sees half a pipeline and a failed save leaves
nothing behind. (`kerasvision.io.atomic_directory` does the same with fsyncs, but the models
layer may not import io; docs/architecture.md, "Layers and imports".)
"""

import contextlib
import os
import shutil
import tempfile


@contextlib.contextmanager
def new_pipeline_directory(directory, what="a pipeline"):
    """Yield a hidden scratch directory that becomes `directory` when the block succeeds.

    Args:
        directory: the target; it must not exist (a saved pipeline is never overwritten).
        what: the saver's name, for the error message.

    Raises:
        FileExistsError: `directory` exists; nothing is written.
    """
    target = os.path.abspath(os.fspath(directory))
    if os.path.lexists(target):
        raise FileExistsError(f"{target} exists; {what} saves to a new directory")
    parent, name = os.path.split(target)
    os.makedirs(parent, exist_ok=True)
    partial = tempfile.mkdtemp(prefix=f".{name}.partial-", dir=parent)
    try:
        yield partial
        os.rename(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
