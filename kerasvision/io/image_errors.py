"""The one error every image-reading failure becomes."""

import os


class ImageReadError(ValueError):
    """An input could not be read as an image.

    `str(error)` is one line that names the file and the problem, e.g.
    ``photo.jpg: not an image (text file named .jpg)``, ready for the CLI to print.

    Attributes:
        path: the path as the caller gave it (``"<bytes>"`` for in-memory data).
        reason: the problem alone, without the path.
    """

    def __init__(self, path, reason):
        self.path = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self):
        # Survive pickling (multiprocessing data loaders) despite the two-argument __init__.
        return (type(self), (self.path, self.reason))
