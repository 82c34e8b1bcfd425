"""Writing files and directories so that readers see all of them or nothing.

A reader (TF Serving polling a model directory, a user, another process) must never see
half a file or half a SavedModel. Both helpers write under a hidden temporary name in the
target's own directory (so the final rename stays on one file system and is atomic),
fsync, then rename to the target, refusing to replace anything already there.

A crash mid-write leaves only a hidden leftover named ``.NAME.partial-RANDOM``; its name is
never numeric, so TF Serving never takes it for a model version.
"""

import contextlib
import ctypes
import errno
import os
import shutil
import sys
import tempfile

PARTIAL_MARKER = ".partial-"


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding=None):
    """Open a temporary file that becomes `path` when the block ends without error.

        with atomic_write("labels.txt", "w") as file:
            file.write("cat\\ndog\\n")

    Args:
        path: the file to create; it must not exist yet.
        mode: "wb" or "w" (text, UTF-8 unless `encoding` says otherwise).
        encoding: text encoding for mode "w".

    Raises:
        FileExistsError: `path` exists (checked before writing and again, atomically
            where the platform allows, when publishing). Nothing is overwritten.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    with atomic_path(path) as temporary:
        text_encoding = (encoding or "utf-8") if mode == "w" else None
        with open(temporary, mode, encoding=text_encoding) as file:
            yield file


@contextlib.contextmanager
def atomic_path(path, replace=False):
    """Yield a temporary file name that becomes `path` when the block ends without error.

    For writers that want a file name rather than a file object (Keras's `model.save`): the
    temporary name ends with `path`'s own suffix, so suffix checks pass.

        with atomic_path("run/last.keras", replace=True) as partial:
            model.save(partial)

    Args:
        path: the file to create.
        replace: replace an existing `path` (a checkpoint written every epoch); by default
            an existing file is never overwritten (FileExistsError).
    """
    path = os.fspath(path)
    if not replace:
        _refuse_existing(path)
    directory, name = os.path.split(os.path.abspath(path))
    suffix = os.path.splitext(name)[1]
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}{PARTIAL_MARKER}", suffix=suffix,
                                             dir=directory)
    os.close(descriptor)
    try:
        # mkstemp makes the file private (0600); give it the permissions open() would.
        os.chmod(temporary, 0o666 & ~_current_umask())
        yield temporary
        with open(temporary, "rb") as file:
            os.fsync(file.fileno())  # the data is on disk before the name points at it
        if replace:
            os.replace(temporary, path)
        else:
            _rename_no_replace(temporary, path)
        _fsync_directory(directory)  # ... and the new name itself survives a power cut
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def atomic_directory(path):
    """Yield a temporary directory that becomes `path` when the block ends without error.

        with atomic_directory("models/fashion/3") as partial:
            model.export(partial)   # TF Serving sees models/fashion/3 appear complete

    Every file and directory inside is fsynced before the rename.

    Args:
        path: the directory to create; it must not exist yet (not even empty).

    Yields:
        The temporary directory's path (str), in the same parent as `path`.

    Raises:
        FileExistsError: `path` exists; nothing is replaced.
    """
    path = os.fspath(path)
    _refuse_existing(path)
    parent, name = os.path.split(os.path.abspath(path))
    temporary = tempfile.mkdtemp(prefix=f".{name}{PARTIAL_MARKER}", dir=parent)
    try:
        # mkdtemp makes the directory private (0700); a model server running as another
        # user must be able to read it, as it could a directory made by os.mkdir.
        os.chmod(temporary, 0o777 & ~_current_umask())
        yield temporary
        _fsync_tree(temporary)
        _rename_no_replace(temporary, path)
        _fsync_directory(parent)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _current_umask():
    # The only portable way to read the umask is to set it and set it back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _refuse_existing(path):
    if os.path.lexists(path):
        raise FileExistsError(errno.EEXIST, "refusing to overwrite", path)


def _rename_no_replace(source, target):
    """Rename that fails, rather than replaces, when `target` exists.

    Plain os.rename silently replaces a file, or an empty directory, that appeared after
    our first check; Linux's renameat2(RENAME_NOREPLACE) checks and renames in one step.
    Elsewhere the check and the rename are two steps (a narrow race, documented).
    """
    if _renameat2_no_replace(source, target):
        return
    _refuse_existing(target)
    os.rename(source, target)


_RENAME_NOREPLACE = 1
_AT_FDCWD = -100


def _renameat2_no_replace(source, target):
    """True if done; False if the platform or file system offers no renameat2."""
    renameat2 = _libc_renameat2()
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target),
                       _RENAME_NOREPLACE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # old kernel or a file system without the flag: fall back
    if code == errno.EEXIST:
        raise FileExistsError(code, "refusing to overwrite", target)
    raise OSError(code, os.strerror(code), target)


def _libc_renameat2():
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # musl or an old glibc
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _fsync_tree(root):
    for directory, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(directory, name), "rb") as file:
                os.fsync(file.fileno())
        _fsync_directory(directory)


def _fsync_directory(directory):
    # POSIX keeps a new name in the directory's own data; Windows cannot open directories.
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
