"""Dataset file errors, and resolving file names found inside annotation files safely.

Annotation files come from strangers: a COCO `file_name` or a VOC `<filename>` of
"../../.ssh/id_rsa", "/etc/passwd" or a symlink pointing out of the dataset must never make
kerasvision read outside the dataset's root.
"""

import ntpath
import posixpath
from pathlib import Path

MAX_REASON_CHARS = 300


class DatasetFileError(ValueError):
    """A dataset file that cannot be used; the message is one line: "PATH: problem"."""

    def __init__(self, path, reason):
        # One line whatever the file held: values quoted from it may contain newlines.
        reason = " ".join(str(reason).split())
        if len(reason) > MAX_REASON_CHARS:
            reason = reason[: MAX_REASON_CHARS - 3] + "..."
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason

    def __reduce__(self):  # pickles across processes (tf.data, multiprocessing) intact
        return type(self), (self.path, self.reason)


def quoted(value, limit=60):
    """repr(value), shortened, for quoting a file's content in an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def resolve_inside(root, name, error, source, what="file name"):
    """The path `name` (relative, "/"-separated) refers to under `root`, checked to stay there.

    Args:
        root: the dataset directory everything must stay inside.
        name: the relative path as written in the annotation file.
        error: the DatasetFileError subclass to raise.
        source: the annotation file, named in the error.
        what: where `name` came from, for the message ("images[3].file_name").

    Raises:
        error: `name` is not a non-empty string, is absolute (POSIX or Windows style),
            has a ".." component, contains a NUL, or resolves (through symlinks) outside.
    """
    if not isinstance(name, str) or not name.strip():
        raise error(source, f"{what} must be a non-empty string, got {quoted(name)}")
    if "\x00" in name:
        raise error(source, f"{what} {quoted(name)} contains a NUL character")
    if posixpath.isabs(name) or ntpath.isabs(name) or ntpath.splitdrive(name)[0]:
        raise error(source, f"{what} {quoted(name)} is absolute; it must be relative to "
                            "the dataset root")
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        raise error(source, f"{what} {quoted(name)} climbs out with '..'")
    root = Path(root).resolve()
    try:
        resolved = (root / Path(*[p for p in parts if p not in ("", ".")])).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, an odd name
        raise error(source, f"{what} {quoted(name)} cannot be resolved ({exc})") from None
    if resolved != root and root not in resolved.parents:
        raise error(source, f"{what} {quoted(name)} leads outside the dataset root {root} "
                            "(through a symbolic link)")
    return resolved
