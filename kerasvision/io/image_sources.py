"""Opening what read_image is given (a path or bytes) as a seekable binary file.

File-system problems become `ImageReadError`s here, before any decoder sees the file. The
file is not read in full: Pillow reads the header first, so a huge file that is refused
from its header costs a few kilobytes of reading.
"""

import contextlib
import io
import os
import stat

from kerasvision.io.image_errors import ImageReadError

BYTES_NAME = "<bytes>"


@contextlib.contextmanager
def open_source(source):
    """Yield `(name, file)` for a path or encoded bytes; `name` is what messages show.

    Bytes are always the encoded image, never a path.

    Raises:
        ImageReadError: missing path, directory, device or FIFO, no permission, empty file.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not len(source):
            raise ImageReadError(BYTES_NAME, "empty file (0 bytes)")
        with io.BytesIO(bytes(source)) as file:
            yield BYTES_NAME, file
        return
    name = os.fspath(source)
    file = _open_regular_file(name)
    with file:
        yield name, file


def _open_regular_file(path):
    try:
        # stat before open: opening a FIFO would block until something writes to it.
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise ImageReadError(path, "is a directory")
        if not stat.S_ISREG(mode):
            raise ImageReadError(path, "not a regular file (device, FIFO or socket)")
        file = open(path, "rb")
    except FileNotFoundError as error:
        raise ImageReadError(path, "no such file") from error
    except IsADirectoryError as error:
        raise ImageReadError(path, "is a directory") from error
    except PermissionError as error:
        raise ImageReadError(path, "permission denied") from error
    except NotADirectoryError as error:
        raise ImageReadError(path, "no such file (a parent is not a directory)") from error
    except OSError as error:
        raise ImageReadError(path, f"cannot read ({error.strerror or error})") from error
    if os.fstat(file.fileno()).st_size == 0:
        file.close()
        raise ImageReadError(path, "empty file (0 bytes)")
    return file
